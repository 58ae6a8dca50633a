package signin

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// Remembered browsers ("don't ask for a passcode on this browser for N
// days"). The rules:
//   - only a full sign-in of otpgate's own first factor (or a directory's)
//     offers or uses one: never a factor-only flow, whose passcode is its
//     only factor, nor an upstream provider's;
//   - only when the operator allows it (Config.RememberBrowserDays > 0)
//     and the client does (store.Client.RememberBrowser);
//   - never when the request asks for a fresh second factor: max_age,
//     prompt=login (a request for a fresh authentication), acr_values or
//     an essential acr naming ACRMFA;
//   - a remembered browser is the account's own, usable while its row
//     has not expired and the account has a device and no passcode lock
//     (store.RememberedBrowserUsable); the finish checks it again in its
//     own transaction (store.FinishFlow), and tokens say what happened:
//     amr without "otp" or "mfa", acr ACRRememberedBrowser.

// rememberAllowed reports whether j's flow may offer to remember the
// browser, or use a remembered one.
func (s *Service) rememberAllowed(ctx context.Context, j *Journey) (bool, error) {
	f := j.Flow
	if s.cfg.RememberBrowserDays <= 0 || j.State.FactorOnly || f.FirstFactor != store.FirstFactorOurs || upstreamFlow(f) {
		return false, nil
	}
	if f.MaxAge != nil || slices.Contains(f.Prompt, oidc.PromptLogin) || WantsMFA(f.ACRValues) ||
		!essentialMet(f, ACRRememberedBrowser) {
		return false, nil
	}
	c, err := s.store.ClientByID(ctx, f.ClientID)
	if err != nil {
		return false, fault(err)
	}
	return c.RememberBrowser, nil
}

// useRemembered marks j as skipping the passcode when the browser's
// remembered-browser cookie (its hash, cookie) is a usable remembered
// browser of j's account and the flow allows it.
func (s *Service) useRemembered(ctx context.Context, j *Journey, cookie string) error {
	st := j.State
	if cookie == "" || j.User == nil || !st.HasDevice || st.OTPDone || st.OTPLocked || st.MustSetup ||
		st.ProofPending || st.Decoy || st.FactorOnly {
		return nil
	}
	if ok, err := s.rememberAllowed(ctx, j); err != nil || !ok {
		return err
	}
	usable, err := s.store.RememberedBrowserUsable(ctx, j.User.ID, cookie)
	if err != nil {
		return fault(err)
	}
	if usable {
		j.State.Remembered, j.remembered = true, cookie
	}
	return nil
}

// RememberDays is how many days j's passcode page may offer to remember
// the browser for (0: no offer).
func (s *Service) RememberDays(ctx context.Context, j *Journey) int {
	if j.User == nil || j.Device == nil {
		return 0
	}
	ok, err := s.rememberAllowed(ctx, j)
	if err != nil || !ok {
		return 0
	}
	return s.cfg.RememberBrowserDays
}

// RememberBrowser remembers the browser of j, whose passcode passed in
// this flow, for Config.RememberBrowserDays, when the flow allows it: it
// returns the cookie value to give the browser, and the lifetime of the
// cookie ("", 0 when nothing was remembered). userAgent labels the
// browser for its owner.
func (s *Service) RememberBrowser(ctx context.Context, j *Journey, userAgent string) (string, time.Duration, error) {
	// Bound to the device whose passcode passed: a replacement made
	// meanwhile leaves nothing remembered.
	if j.User == nil || j.Device == nil || !(j.State.OTPDone || j.State.EnrolledNow) || j.State.Remembered {
		return "", 0, nil
	}
	if ok, err := s.rememberAllowed(ctx, j); err != nil || !ok {
		return "", 0, err
	}
	life := time.Duration(s.cfg.RememberBrowserDays) * 24 * time.Hour
	token := credential.NewToken()
	b := &store.RememberedBrowser{TokenHash: credential.HashToken(token), UserID: j.User.ID, DeviceID: j.Device.ID, ClientID: j.Flow.ClientID,
		Label: BrowserLabel(userAgent), ExpiresAt: s.now().Add(life)}
	if err := s.store.AddRememberedBrowser(ctx, b); err != nil {
		// Nothing remembered: the next sign-in asks for its passcode.
		s.log.WarnContext(ctx, "could not remember the browser", "user_id", j.User.ID, "err", err)
		return "", 0, nil
	}
	s.record(ctx, j, Event{Name: store.EventBrowserRemembered, User: j.User,
		Detail: "browser " + b.ID + " (" + b.Label + ") remembered for " + strconv.Itoa(s.cfg.RememberBrowserDays) + " days"})
	return token, life, nil
}

// maxLabelLen bounds a remembered browser's label.
const maxLabelLen = 64

// BrowserLabel names a browser by its User-Agent for its owner, as
// "Firefox on Windows" (a known browser and system; "Browser" and
// "another system" otherwise), never longer than maxLabelLen bytes: the
// header is the browser's own claim and is never stored as sent.
func BrowserLabel(userAgent string) string {
	ua := userAgent
	browser := "Browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := "another system"
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	label := browser + " on " + system
	if len(label) > maxLabelLen {
		label = label[:maxLabelLen]
	}
	return label
}
