package mfa_test

import (
	"bytes"
	"encoding/base32"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/otpgate/otpgate/mfa"
)

// counting is a deterministic reader: 0, 1, 2, … (mod 256).
type counting struct{ next byte }

func (c *counting) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.next
		c.next++
	}
	return len(p), nil
}

func TestNewSecret(t *testing.T) {
	got, err := mfa.NewSecret(&counting{})
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	want := make([]byte, 20)
	for i := range want {
		want[i] = byte(i)
	}
	if mfa.SecretSize != 20 || !bytes.Equal(got, want) {
		t.Errorf("NewSecret = %x (SecretSize %d), want %x", got, mfa.SecretSize, want)
	}

	for _, tt := range []struct {
		name string
		r    io.Reader
		want error
	}{
		{"empty reader", bytes.NewReader(nil), io.EOF},
		{"19 bytes", bytes.NewReader(make([]byte, 19)), io.ErrUnexpectedEOF},
		{"failing reader", io.MultiReader(bytes.NewReader(make([]byte, 5)), errReader{}), errBoom},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := mfa.NewSecret(tt.r)
			if !errors.Is(err, tt.want) || s != nil {
				t.Errorf("NewSecret = %x, %v; want nil, %v", s, err, tt.want)
			}
		})
	}
}

var errBoom = errors.New("boom")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }

func TestEncodeSecret(t *testing.T) {
	tests := []struct {
		secret []byte
		want   string
	}{
		{[]byte("Hello!\xde\xad\xbe\xef"), "JBSWY3DPEHPK3PXP"},
		{[]byte("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
		{[]byte("f"), "MY"}, // std encoding: "MY======"
		{[]byte("1234567890"), "GEZDGNBVGY3TQOJQ"},
		{[]byte("12345678901"), "GEZDGNBVGY3TQOJQGE"}, // std: "GE======"
	}
	for _, tt := range tests {
		got := mfa.EncodeSecret(tt.secret)
		if got != tt.want {
			t.Errorf("EncodeSecret(%q) = %q, want %q", tt.secret, got, tt.want)
		}
		back, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(got)
		if err != nil || !bytes.Equal(back, tt.secret) {
			t.Errorf("EncodeSecret(%q) does not decode back: %x, %v", tt.secret, back, err)
		}
	}
}

func TestGroupKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"JBSWY3DPEHPK3PXP", "JBSW Y3DP EHPK 3PXP"},
		{"", ""},
		{"JBS", "JBS"},
		{"JBSW", "JBSW"},
		{"JBSWY", "JBSW Y"},
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"},
	}
	for _, tt := range tests {
		if got := mfa.GroupKey(tt.in); got != tt.want {
			t.Errorf("GroupKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKey(t *testing.T) {
	secret, _ := mfa.NewSecret(&counting{})
	tests := []struct {
		name, issuer, account       string
		wantIssuer, wantAccountName string
	}{
		{"plain", "otpgate", "alice@example.com", "otpgate", "alice@example.com"},
		{"colon in issuer", "Acme:Corp", "alice@example.com", "AcmeCorp", "alice@example.com"},
		{"colon in account", "otpgate", "corp:alice", "otpgate", "corpalice"},
		{"colons in both", "a:b:c", "d:e", "abc", "de"},
		{"spaces and non-ASCII", "Example Co", "山田 太郎", "Example Co", "山田 太郎"},
		{"control characters", "otp\ngate", "al\tice", "otpgate", "alice"},
		{"URL metacharacters", "A?B#C%D=E", "x/y?z#w%v&u=t", "A?B#C%D=E", "x/y?z#w%v&u=t"},
		// pquerna/otp does not escape '&' or '+' in the issuer parameter.
		{"ampersand in issuer", "Smith & Co", "alice", "Smith  Co", "alice"},
		{"plus in issuer", "C++ Guild", "alice", "C Guild", "alice"},
		{"plus in account", "otpgate", "alice+otp@example.com", "otpgate", "alice+otp@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := mfa.Default.Key(tt.issuer, tt.account, secret)
			if err != nil {
				t.Fatalf("Key: %v", err)
			}
			raw := key.URL()
			if !strings.HasPrefix(raw, "otpauth://totp/") {
				t.Errorf("URL = %q, want otpauth://totp/ prefix", raw)
			}
			// Parse it again as an authenticator app would.
			parsed, err := otp.NewKeyFromURL(raw)
			if err != nil {
				t.Fatalf("NewKeyFromURL(%q): %v", raw, err)
			}
			if parsed.Issuer() != tt.wantIssuer || parsed.AccountName() != tt.wantAccountName {
				t.Errorf("Issuer, AccountName = %q, %q; want %q, %q",
					parsed.Issuer(), parsed.AccountName(), tt.wantIssuer, tt.wantAccountName)
			}
			// The label itself must be "issuer:account" with exactly one
			// colon, its issuer agreeing with the issuer parameter.
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("url.Parse: %v", err)
			}
			label := strings.TrimPrefix(u.Path, "/")
			if label != tt.wantIssuer+":"+tt.wantAccountName {
				t.Errorf("label = %q, want %q", label, tt.wantIssuer+":"+tt.wantAccountName)
			}
			q := u.Query()
			for param, want := range map[string]string{
				"secret":    mfa.EncodeSecret(secret),
				"issuer":    tt.wantIssuer,
				"algorithm": "SHA1",
				"digits":    "6",
				"period":    "30",
			} {
				if got := q.Get(param); got != want {
					t.Errorf("%s = %q, want %q (URL %s)", param, got, want, raw)
				}
			}
			if strings.Contains(q.Get("secret"), "=") {
				t.Errorf("secret has padding: %q", q.Get("secret"))
			}
			// An app that scans this key shows the codes we accept.
			appCode, err := totp.GenerateCode(parsed.Secret(), t0)
			if err != nil {
				t.Fatalf("totp.GenerateCode: %v", err)
			}
			if want := code(t, mfa.Default, secret, mfa.Default.Step(t0)); appCode != want {
				t.Errorf("app shows %s, we expect %s", appCode, want)
			}
		})
	}
}

func TestKeyRefusesEmptyNames(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tt := range []struct{ issuer, account string }{
		{"", "alice"}, {":", "alice"}, {" ", "alice"}, {"otpgate", ""}, {"otpgate", "::"},
	} {
		if _, err := mfa.Default.Key(tt.issuer, tt.account, secret); err == nil {
			t.Errorf("Key(%q, %q) succeeded, want an error", tt.issuer, tt.account)
		}
	}
}

func TestKeyImage(t *testing.T) {
	key, err := mfa.Default.Key("otpgate", "alice@example.com", testSecret)
	if err != nil {
		t.Fatalf("Key: %v", err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		t.Fatalf("Image(256, 256): %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("Image bounds = %v, want 256×256", b)
	}
	// A QR code has both dark and light modules.
	dark, light := false, false
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, _, _, _ := img.At(x, y).RGBA()
			dark = dark || r < 0x8000
			light = light || r >= 0x8000
		}
	}
	if !dark || !light {
		t.Errorf("Image is blank (dark %v, light %v)", dark, light)
	}
}
