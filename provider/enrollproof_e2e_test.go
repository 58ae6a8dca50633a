package provider_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/signin"
)

var enrollLinkPattern = regexp.MustCompile(`https?://\S+/login/enroll-proof/link\?token=[A-Za-z0-9_-]+`)

// TestSelfEnrollmentTakeoverRefused is finding 1 of the lifecycle review
// through the real forms: someone with erin's password and answer adds
// acr_values for the multi-factor level to enrol their own authenticator
// on her account, which nothing requires to use one. With
// mfa.enrollment_proof = admin (the default without mail) they reach the
// proof step and no further, however they post; the owner, with the code
// her administrator gave her, enrols.
func TestSelfEnrollmentTakeoverRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.EnrollmentProof = signin.EnrollProofAdmin })
	h.addClient("app", appSecret)
	erin := h.addUser("erin", erinPW, "Rex")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	mfaURL := authURL(app, nonce, "", rp.WithURLParam("acr_values", signin.ACRMFA))

	attacker := newBrowser(t)
	p := attacker.toSecondFactor(mfaURL, "erin", erinPW, "rex")
	if p.Step() != "enroll-proof" {
		t.Fatalf("self-enrollment through acr_values reached %q, want enroll-proof", p.Step())
	}
	if strings.Contains(p.Body, "/login/enroll-proof/email") {
		t.Fatal("policy admin offers to mail a proof")
	}
	for _, path := range []string{"/login/enroll", "/login/recovery-codes", "/login/enroll-proof/email"} {
		q := attacker.postForm(p, path, map[string]string{"app": "authy", "code": "123456"})
		if q.Step() == "enroll" || q.Step() == "recovery-codes" || q.ToRP() {
			t.Fatalf("POST %s from the proof step reached %q (to the app: %v)", path, q.Step(), q.ToRP())
		}
	}
	flowID := p.URL.Query().Get("authRequestID")
	if flowID == "" {
		t.Fatalf("the proof page %s names no sign-in", p.URL)
	}
	if q := attacker.get(h.issuer + "/login/enroll?authRequestID=" + flowID); q.Step() == "enroll" {
		t.Fatal("the enroll page opened without the proof")
	}
	for range 6 {
		p = attacker.submit(p, map[string]string{"proof": "aaaa-bbbb-cccc"})
	}
	if p.Step() != "enroll-proof" || p.Status != http.StatusTooManyRequests {
		t.Fatalf("after proof guesses: step %q status %d", p.Step(), p.Status)
	}

	// The owner signs in with the code her administrator issued.
	const code = "r4nd-0mco-de42"
	if err := h.store.IssueEnrollmentCode(t.Context(), erin.ID, h.hasher.Hash(mfa.NormalizeRecoveryCode(code)),
		time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	owner := newBrowser(t)
	p = owner.toSecondFactor(mfaURL, "erin", erinPW, "rex")
	if p.Step() != "enroll-proof" {
		t.Fatalf("the owner's sign-in reached %q", p.Step())
	}
	p = owner.submit(p, map[string]string{"proof": code})
	if p.Step() != "enroll" {
		t.Fatalf("after the administrator's code: step %q alert %q", p.Step(), p.Alert())
	}
	p, _ = h.enroll(owner, p)
	if c := exchange(t, app, p); c.AuthenticationContextClassReference != signin.ACRMFA {
		t.Fatalf("acr %q", c.AuthenticationContextClassReference)
	}
}

// TestSelfEnrollmentEmailedProofThroughSMTP: with mfa.enrollment_proof =
// email, the proof is a link mailed through a real SMTP conversation. It
// works only in the browser of the sign-in that asked: the attacker, who
// holds the password and answer but not the mailbox, asks for it too and
// gains nothing, and a link opened in the attacker's browser is not used
// up for the owner.
func TestSelfEnrollmentEmailedProofThroughSMTP(t *testing.T) {
	t.Parallel()
	srv, notifier := smtpNotifier(t)
	h := newHarness(t, func(o *provider.Options) {
		o.EnrollmentProof, o.Notifier = signin.EnrollProofEmail, notifier
	})
	h.addClient("app", appSecret)
	erin := h.addUser("erin", erinPW, "Rex")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)

	attacker := newBrowser(t)
	a := attacker.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if a.Step() != "enroll-proof" {
		t.Fatalf("the attacker's sign-in reached %q", a.Step())
	}
	owner := newBrowser(t)
	p := owner.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	p = owner.postForm(p, "/login/enroll-proof/email", nil)
	if p.Step() != "enroll-proof" || p.Status != http.StatusOK || !strings.Contains(p.Body, `role="status"`) {
		t.Fatalf("asking for the link: step %q status %d", p.Step(), p.Status)
	}
	msg := waitForMail(t, srv, "/login/enroll-proof/link?token=")
	link := enrollLinkPattern.FindString(msg.Text)
	if link == "" || !strings.HasPrefix(link, h.issuer+"/") || msg.To[0] != "erin@example.com" {
		t.Fatalf("no enrollment link built from the issuer in the mail to %v:\n%s", msg.To, msg.Text)
	}
	if q := attacker.get(link); q.Step() == "enroll" || q.Status == http.StatusOK {
		t.Fatalf("the link in the attacker's browser: step %q status %d", q.Step(), q.Status)
	}
	p, _ = h.enroll(owner, owner.get(link))
	exchange(t, app, p)
	if q := attacker.get(h.issuer + "/login/next?authRequestID=" + a.URL.Query().Get("authRequestID")); q.Step() != "otp" {
		t.Fatalf("the attacker's sign-in after the owner enrolled: %q", q.Step())
	}
	waitForMail(t, srv, "was set up") // every enrollment mails the owner
}
