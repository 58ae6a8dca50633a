package signin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// An upstream OpenID provider performs the first factor in place of the
// password page: its button sends the browser there with a state, a nonce
// and a PKCE challenge kept with the flow, and its answer comes back once
// to the browser the flow is bound to. The verified identity is linked to
// an account (created at the first sign-in) and the passcode step
// follows, unless the connector trusts the upstream's own MFA and its
// token proved one. The security question is off for upstream users.

// upstreamAnswerLifetime bounds how long the upstream's answer is waited
// for after the browser was sent there.
const upstreamAnswerLifetime = 10 * time.Minute

// Upstreams are the upstream provider connectors, in configuration order.
func (s *Service) Upstreams() []connector.CallbackConnector { return s.upstreams }

// Upstream is the upstream connector id (nil when none).
func (s *Service) Upstream(id string) connector.CallbackConnector { return s.upstream(id) }

func (s *Service) upstream(id string) connector.CallbackConnector {
	for _, u := range s.upstreams {
		if u.ID() == id {
			return u
		}
	}
	return nil
}

// StartUpstream sends journey j, at its password step, to upstream
// connector id: a new state, nonce and PKCE verifier are kept with the
// flow (the state hashed, the verifier sealed) and the URL of the
// upstream's sign-in is returned. A connector that cannot be reached is
// told (Rejected, the URL empty).
func (s *Service) StartUpstream(ctx context.Context, j *Journey, id string) (string, Result, error) {
	up := s.upstream(id)
	if up == nil {
		return "", Result{}, ErrBadRequest
	}
	j.via = up.ID()
	state, nonce, verifier := credential.NewToken(), credential.NewToken(), credential.NewToken()
	u, err := up.AuthURL(ctx, state, nonce, oidc.NewSHACodeChallenge(verifier))
	if err != nil {
		s.log.WarnContext(ctx, "upstream unavailable", "connector", up.ID(), "err", err)
		s.record(ctx, j, Event{Name: store.EventSignInFailed, Step: StepPassword, Detail: "step password; upstream unavailable"})
		return "", rejected(templates.MsgUpstreamUnavailable), nil
	}
	start := store.UpstreamStart{Connector: up.ID(), StateHash: credential.HashToken(state), Nonce: nonce,
		Verifier: s.sealer.Seal([]byte(verifier), verifierAD(j.Flow.ID, up.ID())), ExpiresAt: s.now().Add(upstreamAnswerLifetime)}
	if err := s.store.StartUpstream(ctx, j.Flow.ID, j.Flow.BrowserHash, start); err != nil {
		return "", Result{}, flowWriteError(err)
	}
	return u, passed(), nil
}

// verifierAD binds a sealed PKCE verifier to its flow and connector.
func verifierAD(flowID, connectorID string) []byte {
	return []byte("upstream-verifier\x00" + flowID + "\x00" + connectorID)
}

// UpstreamAnswer is an upstream's answer at otpgate's callback, with the
// browser it came back to.
type UpstreamAnswer struct {
	Connector string
	// State, Code, Error and Issuer are the answer's state, code, error
	// and iss parameters.
	State, Code, Error, Issuer string
	Request
}

// UpstreamFlow is the journey an upstream's answer belongs to: the flow
// that sent its state, loaded for the browser the answer came back to
// (ErrWrongBrowser when it is another's). ErrNoRequest when no flow sent
// the state.
func (s *Service) UpstreamFlow(ctx context.Context, a UpstreamAnswer) (*Journey, error) {
	up := s.upstream(a.Connector)
	if up == nil || a.State == "" || len(a.State) > 512 {
		return nil, ErrBadRequest
	}
	f, err := s.store.FlowByUpstreamState(ctx, credential.HashToken(a.State))
	if errors.Is(err, store.ErrNotFound) {
		s.log.WarnContext(ctx, "upstream answer with an unknown state", "connector", up.ID())
		return nil, ErrNoRequest
	}
	if err != nil {
		return nil, fault(err)
	}
	a.FlowID = f.ID
	j, err := s.Load(ctx, a.Request)
	if err != nil {
		if errors.Is(err, ErrWrongBrowser) {
			probe := &Journey{Flow: f, IP: a.IP, via: up.ID()}
			s.record(ctx, probe, Event{Name: store.EventSignInFailed, Step: StepPassword,
				Detail: "step password; upstream answer in another browser"})
		}
		return nil, err
	}
	j.via = up.ID()
	return j, nil
}

// UpstreamCallback takes the upstream's answer a for journey j (from
// UpstreamFlow, at its password step): the flow's pending state is spent
// whatever the answer, the code is redeemed and the ID token verified,
// and the identity's account (created and linked at the first sign-in)
// passes the first factor, with the upstream's MFA accepted when its
// connector trusts it. Every refusal is Rejected with a message for the
// password page, and audited with the connector.
func (s *Service) UpstreamCallback(ctx context.Context, j *Journey, a UpstreamAnswer) (Result, error) {
	up := s.upstream(a.Connector)
	if up == nil {
		return Result{}, ErrBadRequest
	}
	j.via = up.ID()
	refuse := func(m templates.Message, why string) (Result, error) {
		s.record(ctx, j, Event{Name: store.EventSignInFailed, Step: StepPassword, Detail: "step password; upstream " + why})
		return rejected(m), nil
	}
	pending, err := s.store.ConsumeUpstream(ctx, j.Flow, up.ID(), a.Browser)
	if errors.Is(err, store.ErrStale) {
		return refuse(templates.MsgUpstreamFailed, "answer replayed, expired or for another sign-in")
	}
	if err != nil {
		return Result{}, fault(err)
	}
	switch {
	case a.Error != "":
		s.log.InfoContext(ctx, "upstream answered with an error", "connector", up.ID(), "error", safeCode(a.Error))
		return refuse(templates.MsgUpstreamDenied, "answered "+safeCode(a.Error))
	case a.Issuer != "" && a.Issuer != up.Issuer():
		return refuse(templates.MsgUpstreamFailed, "answer from another issuer")
	case a.Code == "":
		return refuse(templates.MsgUpstreamFailed, "answer without a code")
	}
	verifier, err := s.sealer.Open(pending.Verifier, verifierAD(j.Flow.ID, up.ID()))
	if err != nil {
		return Result{}, internal(fmt.Errorf("open the PKCE verifier: %w", err))
	}
	id, err := up.Exchange(ctx, a.Code, string(verifier), pending.Nonce)
	switch {
	case errors.Is(err, connector.ErrUnavailable):
		s.log.WarnContext(ctx, "upstream unavailable", "connector", up.ID(), "err", err)
		return refuse(templates.MsgUpstreamUnavailable, "unavailable")
	case errors.Is(err, connector.ErrRefused):
		s.log.WarnContext(ctx, "upstream answer refused", "connector", up.ID(), "err", err)
		return refuse(templates.MsgUpstreamFailed, "answer refused")
	case err != nil:
		return Result{}, internal(err)
	}
	u, err := s.linkedAccount(ctx, j, up.ID(), id)
	switch {
	case errors.Is(err, errUsernameTaken):
		return rejected(templates.MsgUpstreamAccountTaken), nil
	case errors.Is(err, errNoUsername):
		return refuse(templates.MsgUpstreamFailed, "identity without a usable username")
	case err != nil:
		return Result{}, err
	}
	if u.Disabled {
		return refuse(templates.MsgSignInFailed, "identity of a disabled account")
	}
	methods := upstreamMethods(id.AMR)
	trusted := up.MFATrust().Accepts(id.AMR, id.ACR)
	rb := j.rebinding()
	if err := s.store.IdentifyUpstream(ctx, j.Flow.ID, u.ID, up.ID(), methods, trusted, s.now(), rb); err != nil {
		return Result{}, flowWriteError(err)
	}
	if err := s.rebound(ctx, j, u, rb); err != nil {
		return Result{}, err
	}
	if trusted {
		s.record(ctx, j, Event{Name: store.EventUpstreamMFA, User: u,
			Detail: "upstream MFA accepted in place of the passcode; upstream acr " + printable(id.ACR)})
	}
	j.User = u
	return moved(), nil
}

// methodPattern is an amr value kept from an upstream: RFC 8176's
// short names and the like.
var methodPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,32}$`)

// upstreamMethods are the upstream's amr values otpgate repeats after
// "ext": each once, in order, at most eight, without "mfa" (otpgate says
// "mfa" itself, only for a second factor it accepted) and "ext".
func upstreamMethods(amr []string) []string {
	var out []string
	for _, m := range amr {
		if len(out) == 8 {
			break
		}
		if m == "mfa" || m == "ext" || !methodPattern.MatchString(m) || slices.Contains(out, m) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// safeCode is an upstream's error code as the audit log and the logs may
// hold it (OAuth error codes are short names).
func safeCode(v string) string {
	if !methodPattern.MatchString(v) {
		return "(not an error code)"
	}
	return v
}

// printable is an upstream's acr as the audit log may hold it: printable
// ASCII without spaces, at most 128 characters.
func printable(v string) string {
	if len(v) > 128 {
		v = v[:128]
	}
	for _, r := range v {
		if r <= ' ' || r > '~' {
			return "(unprintable)"
		}
	}
	return v
}
