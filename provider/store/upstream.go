package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// An upstream OpenID provider's sign-in leaves the flow for the upstream
// with a state, a nonce and a PKCE verifier, and comes back once with an
// answer for them. The flow keeps the state's hash (to be found by the
// answer), the nonce and the sealed verifier; the answer takes the last
// two in one conditional write, which only one answer can win.

// UpstreamStart is a sign-in sent to an upstream provider: the connector,
// the SHA-256 of the state sent, the nonce, the sealed PKCE verifier, and
// when the answer stops being accepted.
type UpstreamStart struct {
	Connector string
	StateHash string
	Nonce     string
	Verifier  []byte
	ExpiresAt time.Time
}

// UpstreamPending is what an upstream's answer is checked against: the
// nonce its ID token must carry and the sealed PKCE verifier.
type UpstreamPending struct {
	Nonce    string
	Verifier []byte
}

// StartUpstream records in the unfinished flow id of browser browserHash
// that its browser goes to upstream connector u.Connector with u's state;
// a later start replaces an earlier one (only the newest answer counts).
// ErrStale when the flow is finished or not this browser's.
func (s *Store) StartUpstream(ctx context.Context, id, browserHash string, u UpstreamStart) error {
	if !lookupable(id, browserHash, u.Connector, u.StateHash, u.Nonce) || browserHash == "" || u.StateHash == "" || u.Nonce == "" {
		return ErrStale
	}
	return stepUpdate("start upstream sign-in", s.db.WithContext(ctx).Model(&Flow{}).
		Where("id = ? AND browser_hash = ? AND done_at IS NULL", id, browserHash),
		map[string]any{"upstream_state_hash": u.StateHash, "upstream_nonce": u.Nonce, "upstream_verifier": u.Verifier,
			"upstream_connector": u.Connector, "upstream_expires_at": u.ExpiresAt})
}

// FlowByUpstreamState is the flow that sent the state whose SHA-256 is
// stateHash to an upstream (whether or not its answer came back yet);
// ErrNotFound when none.
func (s *Store) FlowByUpstreamState(ctx context.Context, stateHash string) (*Flow, error) {
	if stateHash == "" || !lookupable(stateHash) {
		return nil, ErrNotFound
	}
	var f Flow
	err := s.db.WithContext(ctx).Where("upstream_state_hash = ?", stateHash).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("flow by upstream state: %w", err)
	}
	return &f, nil
}

// ConsumeUpstream hands the nonce and verifier of flow f's pending
// upstream sign-in (as FlowByUpstreamState read it) to the answer that
// came back from connector in browser browserHash, and clears them in
// the same conditional write: the flow must still be unfinished, this
// browser's, waiting for this connector's answer to this state, not past
// its end. ErrStale when it is not, or another answer won.
func (s *Store) ConsumeUpstream(ctx context.Context, f *Flow, connector, browserHash string) (UpstreamPending, error) {
	if f.UpstreamNonce == "" || browserHash == "" || !lookupable(f.ID, connector, browserHash) {
		return UpstreamPending{}, ErrStale
	}
	err := stepUpdate("consume upstream sign-in", s.db.WithContext(ctx).Model(&Flow{}).
		Where("id = ? AND upstream_state_hash = ? AND upstream_nonce = ? AND upstream_connector = ? AND browser_hash = ?",
			f.ID, f.UpstreamStateHash, f.UpstreamNonce, connector, browserHash).
		Where("done_at IS NULL AND upstream_expires_at > ?", s.Now()),
		map[string]any{"upstream_nonce": "", "upstream_verifier": nil, "upstream_expires_at": nil})
	if err != nil {
		return UpstreamPending{}, err
	}
	return UpstreamPending{Nonce: f.UpstreamNonce, Verifier: f.UpstreamVerifier}, nil
}
