package config

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxLogoBytes is the largest logo file accepted.
const MaxLogoBytes = 256 << 10

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// validate checks the branding section; the logo file is read here too, so
// a start never fails later on it.
func (b Branding) validate(p *problems) {
	if n := utf8.RuneCountInString(b.ProductName); n > 64 || strings.ContainsAny(b.ProductName, "\r\n<>") {
		p.add("branding.product_name", "must be at most 64 characters on one line, without < or >")
	}
	if b.PrimaryColor != "" && !hexColor.MatchString(b.PrimaryColor) {
		p.add("branding.primary_color", "must be a colour like #1f5fbf (got %q)", b.PrimaryColor)
	}
	if b.LogoFile != "" {
		if _, _, err := b.Logo(); err != nil {
			p.add("branding.logo_file", "%v", err)
		}
	}
}

// Logo reads the logo file and names its type: image/png, image/jpeg or
// image/svg+xml. No file is (nil, "", nil).
func (b Branding) Logo() ([]byte, string, error) {
	if b.LogoFile == "" {
		return nil, "", nil
	}
	data, err := os.ReadFile(b.LogoFile)
	if err != nil {
		return nil, "", fileError("logo", b.LogoFile, err)
	}
	if len(data) == 0 || len(data) > MaxLogoBytes {
		return nil, "", &logoError{"must hold an image of at most 256 KiB"}
	}
	switch t := http.DetectContentType(data); {
	case t == "image/png" || t == "image/jpeg":
		return data, t, nil
	case strings.HasSuffix(strings.ToLower(b.LogoFile), ".svg") && strings.Contains(string(data[:min(len(data), 1024)]), "<svg"):
		return data, "image/svg+xml", nil
	}
	return nil, "", &logoError{"must be a PNG, JPEG or SVG image"}
}

type logoError struct{ msg string }

func (e *logoError) Error() string { return e.msg }

// Product is the product's name on pages and in mails.
func (b Branding) Product() string {
	if b.ProductName == "" {
		return "otpgate"
	}
	return b.ProductName
}
