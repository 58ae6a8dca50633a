package admin

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otpgate/otpgate/provider/store"
)

// maxName is the longest display, given or family name, in characters
// (the columns hold 200).
const maxName = 200

// UserChange changes a user's names: a nil field is kept, "" clears it.
// Names are trimmed of surrounding spaces before they are checked.
type UserChange struct {
	Name, GivenName, FamilyName *string
}

// CheckName refuses a display, given or family name (field names it, as
// the CLI flag: "name", "given-name", "family-name") that is longer than
// 200 characters or holds a control character, a line break or a
// bidirectional control (which would make a page or a mail show other
// text than the one stored); empty is allowed (no name). Front ends may
// call it early; every action that takes a name calls it too.
func CheckName(field, name string) error {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxName ||
		strings.IndexFunc(name, func(r rune) bool {
			return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Bidi_Control)
		}) >= 0 {
		return invalid(field, fmt.Sprintf("%s must be at most %d characters on one line, without control characters", field, maxName))
	}
	return nil
}

// check refuses a change with a name CheckName refuses, or one that
// changes nothing.
func (c UserChange) check() error {
	if c.Name == nil && c.GivenName == nil && c.FamilyName == nil {
		return invalid("", "nothing to change (give --name, --given-name or --family-name)")
	}
	for _, f := range []struct {
		flag  string
		value *string
	}{{"name", c.Name}, {"given-name", c.GivenName}, {"family-name", c.FamilyName}} {
		if f.value == nil {
			continue
		}
		if err := CheckName(f.flag, *f.value); err != nil {
			return err
		}
	}
	return nil
}

// trimmed is *p without surrounding spaces, nil when p is.
func trimmed(p *string) *string {
	if p == nil {
		return nil
	}
	v := strings.TrimSpace(*p)
	return &v
}

// update maps the change, trimmed, onto the store's and the words the
// audit event uses for it.
func (c UserChange) update() (store.UserNames, []string) {
	u := store.UserNames{Name: trimmed(c.Name), GivenName: trimmed(c.GivenName), FamilyName: trimmed(c.FamilyName)}
	var changes []string
	for _, f := range []struct {
		words string
		value *string
	}{{"name", u.Name}, {"given name", u.GivenName}, {"family name", u.FamilyName}} {
		switch {
		case f.value == nil:
		case *f.value == "":
			changes = append(changes, f.words+" cleared")
		default:
			changes = append(changes, fmt.Sprintf("%s set to %q", f.words, *f.value))
		}
	}
	return u, changes
}

// UpdateUser changes the user's display, given and family names. It
// revokes nothing: tokens issued before keep the names they were issued
// with until they are refreshed.
func (s *Service) UpdateUser(ctx context.Context, actor, username string, c UserChange) (*store.User, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	u, err := s.User(ctx, username)
	if err != nil {
		return nil, err
	}
	names, changes := c.update()
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error { return s.userUpdate(s.store.SetUserNames(ctx, u.ID, names), u) },
		event: userEvent(store.EventAdminUser, u, strings.Join(changes, "; ")),
	})
	if err != nil {
		return nil, err
	}
	if names.Name != nil {
		u.Name = *names.Name
	}
	if names.GivenName != nil {
		u.GivenName = *names.GivenName
	}
	if names.FamilyName != nil {
		u.FamilyName = *names.FamilyName
	}
	return u, nil
}
