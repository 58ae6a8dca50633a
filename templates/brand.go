package templates

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Brand is how the pages present the product: its name in place of
// "otpgate" in every text, and whether a logo (/brand/logo) and a colour
// stylesheet (/brand.css) are served.
type Brand struct {
	Name   string
	Logo   bool
	Styled bool
	// Zone is the time zone pages show times in (nil: UTC).
	Zone *time.Location
}

// product is the name the pages show.
func (b Brand) product() string {
	if b.Name == "" {
		return "otpgate"
	}
	return b.Name
}

// rebrand puts the product's name in place of otpgate's in a text.
func (b Brand) rebrand(text string) string {
	if b.Name == "" || b.Name == "otpgate" {
		return text
	}
	return strings.ReplaceAll(text, "otpgate", b.Name)
}

// rgb is a colour with channels in 0..1.
type rgb struct{ r, g, b float64 }

func parseHex(s string) (rgb, error) {
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, fmt.Errorf("colour %q is not #RRGGBB", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, fmt.Errorf("colour %q is not #RRGGBB", s)
	}
	return rgb{float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255}, nil
}

func (c rgb) hex() string {
	ch := func(x float64) int { return int(math.Round(math.Max(0, math.Min(1, x)) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", ch(c.r), ch(c.g), ch(c.b))
}

// mix is c moved toward o by t (0: c, 1: o).
func (c rgb) mix(o rgb, t float64) rgb {
	return rgb{c.r + (o.r-c.r)*t, c.g + (o.g-c.g)*t, c.b + (o.b-c.b)*t}
}

// luminance is WCAG 2's relative luminance.
func (c rgb) luminance() float64 {
	lin := func(x float64) float64 {
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is WCAG 2's contrast ratio of two colours.
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// readable moves c toward o, in steps, until it reaches a contrast of 4.5
// (WCAG AA for text) against bg.
func readable(c, o, bg rgb) rgb {
	for i := 0; i < 20 && contrast(c, bg) < 4.5; i++ {
		c = c.mix(o, 0.1)
	}
	return c
}

var (
	white     = rgb{1, 1, 1}
	black     = rgb{0, 0, 0}
	lightCard = white
	darkCard  = rgb{0x1e / 255.0, 0x22 / 255.0, 0x27 / 255.0}
)

// BrandCSS is the stylesheet that gives the pages the primary colour
// color (#RRGGBB), in the light and the dark theme: for links and buttons,
// darkened or lightened as far as text on the page's cards needs to be
// readable (contrast 4.5), with button text in white or near-black,
// whichever reads better on it.
func BrandCSS(color string) ([]byte, error) {
	c, err := parseHex(color)
	if err != nil {
		return nil, err
	}
	light := readable(c, black, lightCard)
	dark := readable(c, white, darkCard)
	onLight, onDark := white, rgb{0x0b / 255.0, 0x14 / 255.0, 0x24 / 255.0}
	text := func(bg rgb) rgb {
		if contrast(onLight, bg) >= contrast(onDark, bg) {
			return onLight
		}
		return onDark
	}
	var b strings.Builder
	fmt.Fprintf(&b, ":root {\n  --accent: %s;\n  --accent-text: %s;\n  --accent-hover: %s;\n  --focus: %s;\n}\n",
		light.hex(), text(light).hex(), light.mix(black, 0.2).hex(), light.hex())
	fmt.Fprintf(&b, "@media (prefers-color-scheme: dark) {\n  :root {\n    --accent: %s;\n    --accent-text: %s;\n    --accent-hover: %s;\n    --focus: %s;\n  }\n}\n",
		dark.hex(), text(dark).hex(), dark.mix(white, 0.2).hex(), dark.hex())
	return []byte(b.String()), nil
}
