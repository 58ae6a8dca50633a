package entra_test

import (
	"errors"
	"testing"

	"github.com/otpgate/otpgate/provider/entra"
)

func TestCheckRedirectURI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://login.microsoftonline.com/common/federation/externalauthprovider", true},
		{"https://login.microsoftonline.us/common/federation/externalauthprovider", true},
		{"https://login.partner.microsoftonline.cn/common/federation/externalauthprovider", true},

		{"https://login.microsoftonline.com/common/federation/externalauthprovider/", false},
		{"http://login.microsoftonline.com/common/federation/externalauthprovider", false},
		{"HTTPS://login.microsoftonline.com/common/federation/externalauthprovider", false},
		{"https://LOGIN.MICROSOFTONLINE.COM/common/federation/externalauthprovider", false},
		{"https://login.microsoftonline.com/common/federation/ExternalAuthProvider", false},
		{"https://login.microsoftonline.com.evil.example/common/federation/externalauthprovider", false},
		{"https://login.microsoftonline.com@evil.example/common/federation/externalauthprovider", false},
		{"https://evil.example/login.microsoftonline.com/common/federation/externalauthprovider", false},
		{"https://login.microsoftonline.com:443/common/federation/externalauthprovider", false},
		{"https://login.microsoftonline.com/common/federation/externalauthprovider?x=1", false},
		{"https://login.microsoftonline.com/common/federation/externalauthprovider#x", false},
		{"https://login.microsoftonline.com/contoso.example/federation/externalauthprovider", false},
		{"https://login.microsoftonline.com/common/federation/externalauthprovider ", false},
		{" https://login.microsoftonline.com/common/federation/externalauthprovider", false},
		{"https://login.microsoftonline.com/common/federation/externalauthprovider%2F", false},
		{"https://login.microsoftonline.com/common/federation/../federation/externalauthprovider", false},
		{"", false},
	} {
		err := entra.CheckRedirectURI(tc.uri)
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, entra.ErrRedirectURI) {
			t.Errorf("CheckRedirectURI(%q) = %v, want ok %v", tc.uri, err, tc.ok)
		}
	}
}

func TestRedirectURIsIsACopy(t *testing.T) {
	t.Parallel()
	uris := entra.RedirectURIs()
	if len(uris) != 3 {
		t.Fatalf("RedirectURIs() = %q", uris)
	}
	uris[0] = "https://evil.example/"
	if entra.CheckRedirectURI("https://evil.example/") == nil || entra.RedirectURIs()[0] == uris[0] {
		t.Fatal("changing the returned slice changed the accepted URIs")
	}
}
