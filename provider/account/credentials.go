package account

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

func (a *Account) passwordPage(c echo.Context) error {
	return a.renderPassword(c, http.StatusOK, signin.Result{})
}

func (a *Account) renderPassword(c echo.Context, st int, r signin.Result) error {
	v, b, has, err := a.credentialsPage(c, st, r)
	if err != nil {
		return err
	}
	src, err := a.svc.PasswordSourceOf(c.Request().Context(), v.User)
	if err != nil {
		return failure(err)
	}
	b.MinPasswordLength = a.svc.Config().MinPasswordLength
	return a.page(c, st, templates.AccountPasswordPage{Base: b, Nav: nav(v, "account"), NeedPasscode: has,
		Elsewhere: !src.Ours, Source: src.Name})
}

// credentialsPage is what the password and question pages start from: the
// viewer, the page's base (with r's problem unless st is 200) and whether
// the account has a device.
func (a *Account) credentialsPage(c echo.Context, st int, r signin.Result) (*portal.Viewer, templates.Base, bool, error) {
	v, me := a.self(c)
	has, _, err := a.hasDevice(c, me)
	if err != nil {
		return nil, templates.Base{}, false, err
	}
	b := v.Base()
	if st != http.StatusOK {
		b = withResult(b, r)
	}
	return v, b, has, nil
}

// passwordSubmit changes the password: the current one, a passcode when
// there is a device, the new one twice.
func (a *Account) passwordSubmit(c echo.Context) error {
	_, me := a.self(c)
	r, err := a.svc.ChangePassword(c.Request().Context(), me, signin.PasswordChangeInput{
		Current: c.FormValue("current_password"), Passcode: c.FormValue("code"),
		NewPassword: c.FormValue("new_password"), NewPasswordConfirm: c.FormValue("new_password_confirm")})
	if err != nil {
		return failure(err)
	}
	if r.Outcome != signin.Passed {
		return a.renderPassword(c, status(r.Result), r.Result)
	}
	return redirectDone(c, "password")
}

func (a *Account) questionPage(c echo.Context) error {
	return a.renderQuestion(c, http.StatusOK, signin.Result{})
}

func (a *Account) renderQuestion(c echo.Context, st int, r signin.Result) error {
	v, b, has, err := a.credentialsPage(c, st, r)
	if err != nil {
		return err
	}
	src, err := a.svc.PasswordSourceOf(c.Request().Context(), v.User)
	if err != nil {
		return failure(err)
	}
	page := templates.AccountQuestionPage{Base: b, Nav: nav(v, "account"), NeedPasscode: has, Question: v.User.Question,
		Unused: !src.Question}
	if src.Directory {
		page.Directory = src.Name
	}
	return a.page(c, st, page)
}

// questionSubmit changes the security question: the current password, a
// passcode when there is a device, the question and the answer twice.
func (a *Account) questionSubmit(c echo.Context) error {
	_, me := a.self(c)
	r, err := a.svc.ChangeQuestion(c.Request().Context(), me, signin.QuestionChangeInput{
		Current: c.FormValue("current_password"), Passcode: c.FormValue("code"),
		Question: c.FormValue("question"), Answer: c.FormValue("answer"), AnswerConfirm: c.FormValue("answer_confirm")})
	if err != nil {
		return failure(err)
	}
	if r.Outcome != signin.Passed {
		return a.renderQuestion(c, status(r.Result), r.Result)
	}
	return redirectDone(c, "question")
}

func (a *Account) sessionsPage(c echo.Context) error {
	return a.renderSessions(c, http.StatusOK, "")
}

func (a *Account) renderSessions(c echo.Context, st int, problem templates.Message) error {
	v, me := a.self(c)
	o, err := a.svc.AccountOverview(c.Request().Context(), me)
	if err != nil {
		return failure(err)
	}
	b := v.Base()
	b.Error = problem
	page := templates.AccountSessionsPage{Base: b, Nav: nav(v, "sessions")}
	for _, s := range o.Sessions {
		page.Sessions = append(page.Sessions, templates.AccountSession{ID: s.ID, Created: stamp(s.CreatedAt),
			Expires: stamp(s.ExpiresAt), Methods: sessionMethods(s), Current: s.ID == me.SessionID})
	}
	here := a.rememberedHere(c)
	for _, b := range o.Browsers {
		page.Browsers = append(page.Browsers, templates.AccountBrowser{ID: b.ID, Label: b.Label, Created: stamp(b.CreatedAt),
			LastUsed: stamp(b.LastUsedAt), Expires: stamp(b.ExpiresAt), Current: here != "" && b.TokenHash == here})
	}
	return a.page(c, st, page)
}

// rememberedHere is the hash of this browser's remembered-browser cookie
// ("" when it has none).
func (a *Account) rememberedHere(c echo.Context) string {
	if v := a.cookies.Get(c, "remember"); v != "" {
		return credential.HashToken(v)
	}
	return ""
}

// browserForget forgets one of the person's remembered browsers; any other
// id is not found.
func (a *Account) browserForget(c echo.Context) error {
	_, me := a.self(c)
	err := a.svc.ForgetBrowser(c.Request().Context(), me, c.FormValue("browser"))
	if errors.Is(err, store.ErrNotFound) {
		return a.renderSessions(c, http.StatusNotFound, templates.MsgBrowserNotFound)
	}
	if err != nil {
		return failure(err)
	}
	return redirectDone(c, "browsers")
}

// browsersForgetAll forgets every remembered browser of the person.
func (a *Account) browsersForgetAll(c echo.Context) error {
	_, me := a.self(c)
	if _, err := a.svc.ForgetBrowsers(c.Request().Context(), me); err != nil {
		return failure(err)
	}
	return redirectDone(c, "browsers")
}

// sessionEnd ends one of the person's own sessions; any other id is not
// found.
func (a *Account) sessionEnd(c echo.Context) error {
	_, me := a.self(c)
	id := c.FormValue("session")
	err := a.svc.EndOwnSession(c.Request().Context(), me, id)
	if errors.Is(err, store.ErrNotFound) {
		return a.renderSessions(c, http.StatusNotFound, templates.MsgSessionNotFound)
	}
	if err != nil {
		return failure(err)
	}
	if id == me.SessionID {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	return redirectDone(c, "sessions")
}

// sessionsEndOthers ends every session but this browser's.
func (a *Account) sessionsEndOthers(c echo.Context) error {
	_, me := a.self(c)
	if _, err := a.svc.EndOtherSessions(c.Request().Context(), me); err != nil {
		return failure(err)
	}
	return redirectDone(c, "sessions")
}
