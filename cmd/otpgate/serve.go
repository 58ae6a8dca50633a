package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/demo"
	"github.com/otpgate/otpgate/provider/entra"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

// serve runs the provider until ctx is cancelled (SIGINT or SIGTERM), then
// lets in-flight requests finish.
func (c *cli) serve(ctx context.Context, args []string) error {
	if _, err := c.parse(c.flags("serve"), args); err != nil {
		return err
	}
	c.creates = true // a first start makes the database
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	for _, v := range rt.cfg.IgnoredEnv(os.Environ()) {
		// A misspelt name would otherwise change nothing, silently.
		rt.log.WarnContext(ctx, "environment variable ignored: this configuration reads no variable of that name",
			"name", v.Name, "did_you_mean", v.Meant)
	}
	if err := syncConfigClients(ctx, rt); err != nil {
		return err
	}
	brand, err := loadBrand(rt.cfg.Branding)
	if err != nil {
		return err
	}
	// The console and the account page show times where mails do.
	brand.pages.Zone = rt.cfg.Mail.Location()
	renderer, err := templates.NewBranded(brand.pages)
	if err != nil {
		return err
	}
	opts, err := c.serverOptions(ctx, rt, renderer)
	if err != nil {
		return err
	}
	opts.BrandCSS, opts.Logo, opts.LogoType = brand.css, brand.logo, brand.logoType
	// The admin API runs the CLI's actions, mail included.
	if opts.Admin, err = c.adminService(rt, true); err != nil {
		return err
	}
	srv, err := provider.New(ctx, opts)
	if err != nil {
		return err
	}
	// Start-up's garbage (a dummy password hash, key generation) goes
	// back to the system before the first request.
	debug.FreeOSMemory()
	idle := time.NewTicker(idleRelease)
	defer idle.Stop()
	go releaseWhenIdle(ctx, rt.hasher.Computations, idle.C, debug.FreeOSMemory)
	return runServer(ctx, rt, srv)
}

// serverOptions maps the configuration onto the provider's options; in
// development mode it seeds the demo user and client and mounts the demo.
func (c *cli) serverOptions(ctx context.Context, rt *runtime, renderer *templates.Renderer) (provider.Options, error) {
	cfg := rt.cfg
	issuer := cfg.EffectiveIssuer()
	var extra func(g *echo.Group)
	if cfg.DevMode() {
		var err error
		if extra, err = c.devMode(ctx, rt, issuer, renderer); err != nil {
			return provider.Options{}, err
		}
	}
	sender, err := newMailer(cfg, rt.log)
	if err != nil {
		return provider.Options{}, err
	}
	var notifier signin.Notifier
	if sender != nil {
		notifier = provider.MailNotifier{Sender: sender, Now: rt.store.Now, Locale: mailLocale(cfg)}
	}
	// Bound concurrent password hashes (memory), owners' browsers first.
	slots := cfg.Server.HashConcurrency
	if slots == 0 {
		slots = goruntime.GOMAXPROCS(0)
	}
	// Client secrets hash slowly only when weak and not yet remembered
	// (credential.ClientSecrets): half as many slots suffice.
	clientSlots := max(slots/2, 1)
	rt.hasher.Limit(credential.NewGate(slots, hashWait))
	rt.hasher.LimitClients(credential.NewGate(clientSlots, hashWait))
	limitMemory(rt, slots+clientSlots)
	attempts := cfg.Lockout.AttemptsPerMinutePerIP
	if attempts == 0 {
		attempts = -1 // off
	}
	entraOpts, err := entraOptions(cfg)
	if err != nil {
		return provider.Options{}, err
	}
	dir, dirCfg, err := directoryConnector(cfg)
	if err != nil {
		return provider.Options{}, err
	}
	upstreams, err := upstreamConnectors(cfg, issuer)
	if err != nil {
		return provider.Options{}, err
	}
	for _, up := range upstreams {
		// Discovery is lazy: a start while an upstream is down still
		// serves, and this only warms it up (a few tries, then the first
		// sign-in tries again).
		go func() {
			if err := up.Warm(context.Background(), 5); err != nil {
				rt.log.Warn("upstream provider not reachable yet", "connector", up.ID(), "err", err)
			}
		}()
	}
	var dirQuestion, localPasswords bool
	if dirCfg != nil {
		dirQuestion, localPasswords = dirCfg.Config.SecurityQuestion, dirCfg.Config.LocalPasswords
	}
	return provider.Options{
		Entra:                entraOpts,
		Directory:            dir,
		Upstreams:            callbackConnectors(upstreams),
		DirectoryQuestion:    dirQuestion,
		LocalPasswords:       localPasswords,
		Issuer:               issuer,
		Store:                rt.store,
		Sealer:               rt.sealer,
		Hasher:               rt.hasher,
		Renderer:             renderer,
		Lifetimes:            lifetimes(cfg),
		CORSOrigins:          cfg.CORS.AllowedOrigins,
		QuestionEnabled:      cfg.Login.QuestionEnabled(),
		MinPasswordLength:    cfg.Login.MinPasswordLength,
		MFAPolicy:            cfg.MFA.Required,
		TOTPIssuer:           cfg.MFA.IssuerLabel,
		OTPAttempts:          cfg.Lockout.PasscodeAttempts,
		LoginAttempts:        cfg.Lockout.LoginAttempts,
		LoginLockDecay:       cfg.Lockout.LoginLockDecay.Duration,
		UnknownBrowserLimit:  cfg.Lockout.UnknownBrowserLimit,
		KnownBrowserLifetime: cfg.Lockout.KnownBrowserLifetime.Duration,
		AttemptsPerMinute:    attempts,
		AdminOnlyReset:       !cfg.MFA.SelfServiceResetEnabled(),
		ResetLinkLifetime:    cfg.MFA.ResetLinkLifetime.Duration,
		ResetMailsPerHour:    cfg.MFA.ResetMailsPerHour,
		EnrollmentProof:      cfg.EffectiveEnrollmentProof(),
		RememberBrowserDays:  cfg.MFA.RememberBrowserDays,
		Notifier:             notifier,
		TrustedProxies:       cfg.Server.TrustedProxies,
		KeyActivation:        cfg.Tokens.KeyActivationDelay.Duration,
		Logger:               rt.log,
		Extra:                extra,
	}, nil
}

// devMode warns loudly, seeds the demo user and client, prints how to
// use them, and returns the demo relying party's routes.
func (c *cli) devMode(ctx context.Context, rt *runtime, issuer string, renderer *templates.Renderer) (func(g *echo.Group), error) {
	rt.log.Warn("ZERO-CONFIG DEVELOPMENT MODE: issuer follows the listen address, the encryption key is a file in the data directory, and a demo user and client are seeded. Do not use this mode in production.",
		"issuer", issuer, "data_dir", rt.cfg.DataDir)
	seed, err := seedDemo(ctx, rt, issuer)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.stdout, "\notpgate development mode\n  demo application: %s/demo\n  username: %s\n  password: %s\n  security question answer: %s\n\n",
		issuer, seed.Username, seed.Password, seed.Answer)
	return demo.New(demo.Options{Issuer: issuer, ClientID: demoClientID, Renderer: renderer,
		CookieKey: rt.sealer.Derive("demo-cookies"), Log: rt.log}).Mount, nil
}

// runServer serves srv until ctx is cancelled, then drains: readiness
// turns false first, then new requests stop and in-flight ones finish.
func runServer(ctx context.Context, rt *runtime, srv *provider.Server) error {
	cfg := rt.cfg
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	metrics, err := metricsServer(rt, srv)
	if err != nil {
		ln.Close()
		return err
	}
	if metrics != nil {
		defer metrics.Close()
	}
	go cleanup(ctx, rt)
	rt.log.Info("otpgate listening", "addr", ln.Addr().String(), "issuer", cfg.EffectiveIssuer(), "version", version, "tls", cfg.Server.TLS())
	errc := make(chan error, 1)
	go func() {
		if cfg.Server.TLS() {
			errc <- hs.ServeTLS(ln, cfg.Server.TLSCertFile, cfg.Server.TLSKeyFile)
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	srv.Drain()
	rt.log.Info("shutting down", "delay", cfg.Server.ShutdownDelay.Duration)
	time.Sleep(cfg.Server.ShutdownDelay.Duration)
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// metricsServer serves /metrics on server.metrics_listen, a listener of
// its own (nil when it is not configured). It stops with the process.
func metricsServer(rt *runtime, srv *provider.Server) (*http.Server, error) {
	addr := rt.cfg.Server.MetricsListen
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.MetricsHandler())
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10}
	go func() {
		if err := ms.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			rt.log.Error("metrics listener stopped", "err", err)
		}
	}()
	rt.log.Info("metrics listening", "addr", ln.Addr().String())
	return ms, nil
}

// memoryBase is the memory otpgate needs besides its password hashes;
// hashMemory is one argon2id computation's (19 MiB) with room to spare.
const (
	memoryBase = 16 << 20
	hashMemory = 20 << 20
)

// limitMemory sets the Go runtime's soft memory limit to what otpgate
// needs with every hashing slot busy, unless GOMEMLIMIT says otherwise:
// each argon2id leaves 19 MiB of garbage, and without a limit the
// collector lets the heap grow to twice what is live before it runs.
func limitMemory(rt *runtime, hashSlots int) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(memoryBase + hashSlots*hashMemory)
	debug.SetMemoryLimit(limit)
	rt.log.Info("memory limit set", "bytes", limit, "hash_slots", hashSlots)
}

// idleRelease is how long no password hash runs before the memory the
// last ones used goes back to the system.
const idleRelease = 10 * time.Second

// releaseWhenIdle returns freed memory to the system once hashing has
// stopped for a while: each argon2id leaves 19 MiB behind, which the
// runtime would otherwise keep for minutes after a burst of sign-ins.
// It looks at each tick whether hashes (a count of hashes computed)
// moved since the last one.
func releaseWhenIdle(ctx context.Context, hashes func() int64, tick <-chan time.Time, release func()) {
	last, pending := hashes(), false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		if n := hashes(); n != last {
			last, pending = n, true
			continue
		}
		if pending {
			release()
			pending = false
		}
	}
}

// hashWait is how long a password check waits for a hashing slot before
// it is answered 503.
const hashWait = 2 * time.Second

// codeLifetime is how long an authorization code can be redeemed.
const codeLifetime = 2 * time.Minute

func lifetimes(cfg *config.Config) protocol.Lifetimes {
	return protocol.Lifetimes{
		Flow:         cfg.Login.FlowLifetime.Duration,
		Code:         codeLifetime,
		AccessToken:  cfg.Tokens.AccessTokenLifetime.Duration,
		IDToken:      cfg.Tokens.IDTokenLifetime.Duration,
		RefreshToken: cfg.Tokens.RefreshTokenLifetime.Duration,
		Session:      cfg.Login.SessionLifetime.Duration,
		SessionIdle:  cfg.Login.SessionIdleTimeout.Duration,
		RefreshReuse: cfg.Tokens.RefreshReuseInterval.Duration,
	}
}

// cleanup deletes expired rows, and signing keys no longer published,
// every few minutes.
func cleanup(ctx context.Context, rt *runtime) {
	keys := keysFor(rt)
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := rt.store.DeleteExpired(ctx, 24*time.Hour); err != nil {
				rt.log.Warn("cleanup failed", "err", err)
			}
			// Known browsers past their lifetime, and the counters of
			// names that are no account once as quiet as long.
			if err := rt.store.DeleteStaleThrottles(ctx, rt.store.Now().Add(-rt.cfg.Lockout.KnownBrowserLifetime.Duration)); err != nil {
				rt.log.Warn("cleanup of sign-in throttles failed", "err", err)
			}
			if err := keys.Prune(ctx); err != nil {
				rt.log.Warn("pruning signing keys failed", "err", err)
			}
		}
	}
}

// brand is the configured branding, read once at start.
type brand struct {
	pages    templates.Brand
	css      []byte
	logo     []byte
	logoType string
}

func loadBrand(b config.Branding) (brand, error) {
	out := brand{pages: templates.Brand{Name: b.ProductName}}
	if b.PrimaryColor != "" {
		css, err := templates.BrandCSS(b.PrimaryColor)
		if err != nil {
			return brand{}, fmt.Errorf("branding.primary_color: %w", err)
		}
		out.css, out.pages.Styled = css, true
	}
	logo, typ, err := b.Logo()
	if err != nil {
		return brand{}, fmt.Errorf("branding.logo_file: %w", err)
	}
	out.logo, out.logoType, out.pages.Logo = logo, typ, logo != nil
	return out, nil
}

// entraOptions builds the verifier of Entra ID hints from the entra
// section: the authority, trusted over TLS (with the configured CAs).
func entraOptions(cfg *config.Config) (*provider.EntraOptions, error) {
	pool, err := cfg.Entra.CAPool()
	if err != nil {
		return nil, fmt.Errorf("entra.ca_file: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if pool != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	hints, err := entra.NewAuthority(entra.Options{BaseURL: cfg.Entra.Authority, Client: client})
	if err != nil {
		return nil, fmt.Errorf("entra.authority: %w", err)
	}
	return &provider.EntraOptions{Hints: hints, LinkByUsername: cfg.Entra.FirstLink == "username"}, nil
}
