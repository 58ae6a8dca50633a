package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"text/tabwriter"
	"time"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/protocol"
)

func randText() string { return rand.Text() }

func (c *cli) migrate(ctx context.Context, args []string) error {
	if _, err := c.parse(c.flags("migrate"), args); err != nil {
		return err
	}
	c.creates = true       // the command that makes a database
	rt, err := c.open(ctx) // open migrates
	if err != nil {
		return err
	}
	defer rt.Close()
	version, err := rt.store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "database schema is up to date at version %d\n", version)
	return nil
}

// keysFor builds the key manager with the configured token lifetimes.
func keysFor(rt *runtime) *protocol.Keys {
	l := lifetimes(rt.cfg)
	activation := rt.cfg.Tokens.KeyActivationDelay.Duration
	k := protocol.NewKeys(rt.store, rt.sealer, l.IDToken+l.AccessToken+activation+time.Hour)
	k.Activation = activation
	return k
}

func (c *cli) keys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("keys: missing subcommand (list, rotate, rotate-encryption, encryption-status)")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "rotate-encryption":
		return c.rotateEncryption(ctx, args)
	case "encryption-status":
		return c.encryptionStatus(ctx, args)
	}
	if _, err := c.parse(c.flags("keys "+sub), args); err != nil {
		return err
	}
	if sub != "list" && sub != "rotate" {
		return fmt.Errorf("keys: unknown subcommand %q", sub)
	}
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	k := keysFor(rt)
	if sub == "rotate" {
		return c.rotateKeys(ctx, rt, k)
	}
	infos, err := k.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tALG\tSTATE\tCREATED\tRETIRED")
	for _, i := range infos {
		state, retired := "active", "-"
		if i.RetiredAt != nil {
			state, retired = "retired", i.RetiredAt.Format(time.RFC3339)
			if i.Published {
				state = "retired (published)"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", i.ID, i.Algorithm, state, i.CreatedAt.Format(time.RFC3339), retired)
	}
	return w.Flush()
}

// rotateKeys makes a new signing key per algorithm (the first ones on a
// database without keys), audited by the admin service.
func (c *cli) rotateKeys(ctx context.Context, rt *runtime, k *protocol.Keys) error {
	svc, err := c.adminService(rt, false)
	if err != nil {
		return err
	}
	res, err := svc.RotateKeys(ctx, c.auditActor(), k)
	if err != nil {
		return adminError("keys rotate", "", err)
	}
	ids := admin.KeyList(res.Keys)
	if res.First {
		fmt.Fprintf(c.stdout, "signing keys %s created and active\n", ids)
		return nil
	}
	fmt.Fprintf(c.stdout, "new signing keys %s are published now and sign from %s; older keys stay published until their tokens expire\n",
		ids, rt.store.Now().Add(rt.cfg.Tokens.KeyActivationDelay.Duration).Format(time.RFC3339))
	return nil
}

// healthcheck asks the local server's /healthz (for container health checks).
func (c *cli) healthcheck(ctx context.Context, args []string) error {
	if _, err := c.parse(c.flags("healthcheck"), args); err != nil {
		return err
	}
	cfg, err := config.Load(c.ov, os.LookupEnv)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return fmt.Errorf("healthcheck: listen address %q: %v", cfg.Listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	scheme, client := "http", http.DefaultClient
	if cfg.Server.TLS() {
		// The local check talks to this machine's own listener; its
		// certificate names the public host, not 127.0.0.1.
		scheme = "https"
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %d", resp.StatusCode)
	}
	fmt.Fprintln(c.stdout, "ok")
	return nil
}
