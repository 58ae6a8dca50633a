package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// A sign-in step writes only the columns it owns, in one conditional
// UPDATE whose affected-row count says whether the flow was still in the
// state the step saw (ErrStale otherwise): unfinished, and on the account
// the step checked. Keys no row can have are ErrStale before any SQL.

// progressReset clears every step result and the pending enrollment: what
// a new password step, or a device reset elsewhere, leaves of a flow.
var progressReset = map[string]any{"upstream_mfa_at": nil, "setup_at": nil, "question_at": nil, "otp_at": nil, "enrolled_at": nil,
	"codes_ack_at": nil, "reset_at": nil, "proof_at": nil, "pending_secret": nil, "pending_codes": nil,
	"pending_expires_at": nil, "pending_attempts": 0, "pending_app": ""}

// IdentifyFlow records that userID's password passed in flow id at. A flow
// identifies one account for good, and nothing proven earlier in it
// carries over a new password step.
func (s *Store) IdentifyFlow(ctx context.Context, id, userID string, at time.Time) error {
	return s.IdentifyAndRebind(ctx, id, userID, at, Rebinding{})
}

// NameFlow records the username typed at the username step of flow id
// (FirstFactorTyped): the account it names (userID, "" when it names
// none) and the name itself, at. A flow is named once; ErrStale when it
// is not a typed flow waiting for its name.
func (s *Store) NameFlow(ctx context.Context, id, userID, name string, at time.Time) error {
	if !lookupable(id) {
		return ErrStale
	}
	return stepWrite(s.db.WithContext(ctx), "name flow", id, Rebinding{},
		"@.done_at IS NULL AND @.first_factor = ? AND @.password_at IS NULL AND @.user_id = ''", []any{FirstFactorTyped},
		map[string]any{"user_id": userID, "login_hint": name, "password_at": at})
}

// IdentifyAndRebind is IdentifyFlow that also moves the flow's browser to
// a new binding (rb; none when rb.New is "") in the same statement.
func (s *Store) IdentifyAndRebind(ctx context.Context, id, userID string, at time.Time, rb Rebinding) error {
	return s.IdentifyVia(ctx, id, userID, "", at, rb)
}

// IdentifyVia is IdentifyAndRebind for a first factor connectorID
// performed (a directory's password; "" for otpgate's own).
func (s *Store) IdentifyVia(ctx context.Context, id, userID, connectorID string, at time.Time, rb Rebinding) error {
	set := map[string]any{"upstream_amr": StringList(nil), "upstream_mfa_at": nil}
	return s.identify(ctx, id, userID, connectorID, set, at, rb)
}

// IdentifyUpstream is IdentifyVia for an upstream OpenID provider's sign-in
// (connectorID): it records the upstream's methods (amr, without "mfa")
// and, with mfaAccepted, that the upstream's MFA stands for the passcode.
func (s *Store) IdentifyUpstream(ctx context.Context, id, userID, connectorID string, amr []string, mfaAccepted bool,
	at time.Time, rb Rebinding) error {
	if connectorID == "" || slices.Contains(amr, "mfa") || slices.Contains(amr, "ext") {
		return ErrStale
	}
	var mfaAt *time.Time
	if mfaAccepted {
		mfaAt = &at
	}
	set := map[string]any{"upstream_amr": StringList(amr), "upstream_mfa_at": mfaAt, "upstream_connector": connectorID}
	return s.identify(ctx, id, userID, connectorID, set, at, rb)
}

// identify records userID's first factor in flow id with the columns of
// set besides.
func (s *Store) identify(ctx context.Context, id, userID, connectorID string, set map[string]any, at time.Time, rb Rebinding) error {
	if !lookupable(id, userID, connectorID) {
		return ErrStale
	}
	for k, v := range progressReset {
		if _, ok := set[k]; !ok {
			set[k] = v
		}
	}
	set["user_id"], set["password_at"], set["connector"] = userID, at, connectorID
	return stepWrite(s.db.WithContext(ctx), "identify flow", id, rb, "@.done_at IS NULL AND (@.user_id = '' OR @.user_id = ?)", []any{userID}, set)
}

// Rebinding moves a browser from binding Old to New (its cookie was
// rotated at a privilege change): every unfinished flow of the browser
// follows, in the statement that records the step.
type Rebinding struct{ Old, New string }

// stepWrite sets set on flow id when cond (on the flow's own columns,
// each written "@.column", with args) holds, in one statement, and returns ErrStale when it does
// not. With a rebinding, the same statement moves every unfinished flow of
// browser rb.Old to rb.New, and only if flow id is one of them and its
// condition holds: either everything changes or nothing does.
func stepWrite(db *gorm.DB, what, id string, rb Rebinding, cond string, args []any, set map[string]any) error {
	if rb.New == "" {
		return stepUpdate(what, db.Model(&Flow{}).Where("id = ? AND "+aliased(cond, ""), append([]any{id}, args...)...), set)
	}
	if !lookupable(rb.Old, rb.New) {
		return ErrStale
	}
	cols := slices.Sorted(maps.Keys(set))
	parts := []string{"browser_hash = ?"}
	vals := []any{rb.New}
	for _, c := range cols {
		parts = append(parts, c+" = CASE WHEN id = ? THEN ? ELSE "+c+" END")
		vals = append(vals, id, set[c])
	}
	// The target's condition is checked on the row itself (which a
	// concurrent writer may have changed) and, for the other flows, in a
	// subquery: they move only when the target qualifies.
	q := "UPDATE flows SET " + strings.Join(parts, ", ") +
		" WHERE browser_hash = ? AND done_at IS NULL AND (id <> ? OR (" + aliased(cond, "") + "))" +
		" AND EXISTS (SELECT 1 FROM flows t WHERE t.id = ? AND t.browser_hash = ? AND " + aliased(cond, "t.") + ")" +
		" RETURNING id"
	vals = append(vals, rb.Old, id)
	vals = append(vals, args...)
	vals = append(vals, id, rb.Old)
	vals = append(vals, args...)
	var ids []string
	if err := db.Raw(q, vals...).Scan(&ids).Error; err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !slices.Contains(ids, id) {
		return ErrStale
	}
	return nil
}

// aliased writes a step condition's columns ("@.column") with prefix.
func aliased(cond, prefix string) string { return strings.ReplaceAll(cond, "@.", prefix) }

// FlowStep names a step result MarkFlow records.
type FlowStep string

// The step results a flow records one at a time.
const (
	StepSetup    FlowStep = "setup_at"
	StepQuestion FlowStep = "question_at"
	StepOTP      FlowStep = "otp_at"
	// StepCodesAck also forgets the sealed recovery codes; it needs an
	// enrollment in the flow.
	StepCodesAck FlowStep = "codes_ack_at"
)

// MarkFlow records that step passed at in userID's unfinished flow id.
func (s *Store) MarkFlow(ctx context.Context, id, userID string, step FlowStep, at time.Time) error {
	if !lookupable(id, userID) {
		return ErrStale
	}
	q := s.db.WithContext(ctx).Model(&Flow{}).Where("id = ? AND user_id = ? AND done_at IS NULL", id, userID)
	set := map[string]any{string(step): at}
	switch step {
	case StepSetup, StepQuestion, StepOTP:
	case StepCodesAck:
		q = q.Where("enrolled_at IS NOT NULL")
		set["pending_codes"] = nil
	default:
		return fmt.Errorf("mark flow: unknown step %q", step)
	}
	return stepUpdate("mark flow", q, set)
}

// OfferSecret stores a new sealed TOTP secret for enrollment in flow id,
// offered until expires, with no wrong codes yet. A flow that enrolled or
// finished offers nothing more (ErrStale).
func (s *Store) OfferSecret(ctx context.Context, id string, sealed []byte, expires time.Time) error {
	if !lookupable(id) {
		return ErrStale
	}
	return stepUpdate("offer secret", s.db.WithContext(ctx).Model(&Flow{}).
		Where("id = ? AND enrolled_at IS NULL AND done_at IS NULL", id),
		map[string]any{"pending_secret": sealed, "pending_expires_at": expires, "pending_attempts": 0})
}

// CountWrongEnrollCode counts one wrong verification code against the
// secret flow id offers and returns how many there were.
func (s *Store) CountWrongEnrollCode(ctx context.Context, id string) (int, error) {
	if !lookupable(id) {
		return 0, ErrStale
	}
	var rows []int
	err := s.db.WithContext(ctx).Raw(`UPDATE flows SET pending_attempts = pending_attempts + 1
		WHERE id = ? AND enrolled_at IS NULL AND done_at IS NULL RETURNING pending_attempts`, id).Scan(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("count wrong enrollment code: %w", err)
	}
	if len(rows) == 0 {
		return 0, ErrStale
	}
	return rows[0], nil
}

// FlowResult is what a finished flow records: who signed in, how, when;
// and, when the sign-in answers with its code at once, the code's hash and
// end (the flow then lives until the code expires).
type FlowResult struct {
	UserID string
	AMR    []string
	ACR    string
	// IDP is the connector that performed the first factor ("" for
	// otpgate's own password).
	IDP string
	// UpstreamAMR are the methods of AMR an upstream provider performed:
	// AMR starts with "ext" and them, and they are the flow's
	// UpstreamAMR exactly (nil when no upstream signed the person in).
	UpstreamAMR []string
	AuthTime    time.Time
	// CodeHash, when set, is the authorization code issued with the
	// finish, valid until CodeExpiresAt.
	CodeHash      string
	CodeExpiresAt time.Time
	// Rebind, when its New is set, moves the browser to a new binding in
	// the same statement (see Rebinding).
	Rebind Rebinding
	// RememberedBrowser, when set, is the token hash of the remembered
	// browser that stood in for the passcode of a flow that needed one
	// (AMR then names neither "otp" nor "mfa"). FinishFlow uses the row,
	// still usable, in the finish's own transaction.
	RememberedBrowser string
}

// FinishFlow marks userID's flow id done at with result r. The flow must
// still be unfinished, on that account, past the password step, and hold
// every step r claims: the security answer for "kba", a passcode for
// "otp" (and for needOTP, when the flow required a second factor), a
// passcode or an accepted upstream MFA for "mfa", and exactly the
// upstream's recorded methods for those r names as the upstream's, so a
// token never claims a method the flow did not record.
func (s *Store) FinishFlow(ctx context.Context, id string, r FlowResult, needOTP bool, at time.Time) error {
	if !lookupable(id, r.UserID) {
		return ErrStale
	}
	if r.RememberedBrowser == "" {
		return finishFlow(s.db.WithContext(ctx), id, r, needOTP, at, false)
	}
	if !lookupable(r.RememberedBrowser) {
		return ErrStale
	}
	// The row is used (and held) first: a revocation racing this finish
	// either waits for it or wins, and then nothing is finished.
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := useRemembered(tx, r.UserID, r.RememberedBrowser, at); err != nil {
			return err
		}
		return finishFlow(tx, id, r, needOTP, at, false)
	})
}

// finishFlow is FinishFlow on db; otpNow records the passcode accepted
// in the same transaction (its step) with the finish.
func finishFlow(db *gorm.DB, id string, r FlowResult, needOTP bool, at time.Time, otpNow bool) error {
	// The first factor passed: otpgate's password step, or someone else's
	// (a factor-only flow, whose result always claims the passcode).
	cond := "@.user_id = ? AND @.done_at IS NULL AND (@.password_at IS NOT NULL OR @.first_factor <> '')"
	args := []any{r.UserID}
	// ours are the methods otpgate performed; an upstream's are its own,
	// and must be those its sign-in recorded.
	ours := r.AMR
	if r.UpstreamAMR != nil || slices.Contains(r.AMR, "ext") {
		n := 1 + len(r.UpstreamAMR)
		if len(r.AMR) < n || r.AMR[0] != "ext" || !slices.Equal(r.AMR[1:n], r.UpstreamAMR) || slices.Contains(r.UpstreamAMR, "mfa") {
			return ErrStale
		}
		ours = r.AMR[n:]
		cond += " AND @.connector <> '' AND @.connector = @.upstream_connector AND @.upstream_amr = ?"
		args = append(args, StringList(r.UpstreamAMR))
	} else {
		// An upstream's first factor is never claimed as otpgate's own.
		cond += " AND NOT (@.connector <> '' AND @.connector = @.upstream_connector)"
	}
	if slices.Contains(ours, "kba") {
		cond += " AND @.question_at IS NOT NULL"
	}
	set := finishColumns(r, at)
	switch {
	case otpNow:
		set["otp_at"] = at
	case needOTP && r.RememberedBrowser != "" && r.UpstreamAMR == nil &&
		!slices.Contains(ours, "otp") && !slices.Contains(ours, "mfa"):
		// A remembered browser stands in for the passcode only in a flow
		// of otpgate's own first factor without max_age, on a client that
		// allows it, and only while the row is usable for this account.
		cond += " AND (@.otp_at IS NOT NULL OR (" + rememberingFlow +
			" AND EXISTS (SELECT 1 FROM remembered_browsers rb WHERE rb.token_hash = ? AND rb.user_id = ? AND " +
			usableRemembered + ")))"
		args = append(args, true, r.RememberedBrowser, r.UserID, at, false, false)
	case needOTP || slices.Contains(ours, "otp"):
		cond += " AND @.otp_at IS NOT NULL"
	}
	if slices.Contains(ours, "mfa") && !otpNow {
		// A second factor: a passcode, or an upstream's MFA accepted.
		cond += " AND (@.otp_at IS NOT NULL OR @.upstream_mfa_at IS NOT NULL)"
	}
	if r.CodeHash != "" {
		set["code_hash"], set["expires_at"] = r.CodeHash, r.CodeExpiresAt
	}
	return stepWrite(db, "finish flow", id, r.Rebind, cond, args, set)
}

// rememberingFlow is the condition (on a flow aliased "@.", with one
// argument: true) of a flow in which a remembered browser may stand in
// for the passcode: otpgate's own first factor, no max_age, at a client
// that allows remembering.
const rememberingFlow = "@.first_factor = '' AND @.max_age IS NULL" +
	" AND EXISTS (SELECT 1 FROM clients c WHERE c.id = @.client_id AND c.remember_browser = ?)"

// FinishFlowFromSession marks flow id done at with the result of a
// browser session (single sign-on): the flow must be unfinished and not
// have identified another account.
//
// r.RememberedBrowser, when set, is the token hash of the remembered
// browser that stands in for the passcode the session lacks: as in
// FinishFlow, the row is used, still usable, in the finish's own
// transaction, on a flow of otpgate's own first factor without max_age
// at a client that allows remembering.
func (s *Store) FinishFlowFromSession(ctx context.Context, id string, r FlowResult, at time.Time) error {
	if !lookupable(id, r.UserID, r.RememberedBrowser) {
		return ErrStale
	}
	set := finishColumns(r, at)
	set["user_id"] = r.UserID
	finish := func(db *gorm.DB) error {
		q := db.Model(&Flow{}).Where("id = ? AND done_at IS NULL AND (user_id = '' OR user_id = ?)", id, r.UserID)
		if r.RememberedBrowser != "" {
			q = q.Where(aliased(rememberingFlow, "flows."), true)
		}
		return stepUpdate("finish flow", q, set)
	}
	if r.RememberedBrowser == "" {
		return finish(s.db.WithContext(ctx))
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := useRemembered(tx, r.UserID, r.RememberedBrowser, at); err != nil {
			return err
		}
		return finish(tx)
	})
}

func finishColumns(r FlowResult, at time.Time) map[string]any {
	return map[string]any{"amr": StringList(r.AMR), "acr": r.ACR, "connector": r.IDP, "auth_time": r.AuthTime, "done_at": at}
}

// stepUpdate applies set to the rows q selects and reports ErrStale when
// there was none.
func stepUpdate(what string, q *gorm.DB, set map[string]any) error {
	res := q.Updates(set)
	if res.Error != nil {
		return fmt.Errorf("%s: %w", what, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}
