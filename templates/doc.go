// Package templates owns every page a person sees in otpgate: the embedded
// html/template pages, the static stylesheet, and the English and Japanese
// message catalogue.
//
// Handlers never pass raw text: they fill one typed struct per page
// (PasswordPage, EnrollPage, OTPPage, …) and name errors with Message constants, which
// are translated at render time. The template is chosen by the struct's type.
//
// Invariants:
//   - Output is produced by html/template only, so every value is escaped for
//     its context; pages contain no inline script or style, so they work under
//     a strict Content-Security-Policy (style-src 'self').
//   - Each page's <body data-step="…">, form field names, hidden "csrf" and
//     "authRequestID" inputs and role="alert" error element form the stable
//     contract described in DESIGN.md; themes and black-box tests rely on it.
//   - Flow forms post to fixed paths: /login/password, /login/setup,
//     /login/question, /login/enroll, /login/recovery-codes, /login/otp,
//     /login/reset, /login/reset/email and /login/enroll-proof. The logout
//     form posts to LogoutPage.Action.
//   - Secrets the enroll page shows (setup key, otpauth:// URI) are text
//     only, never links; the QR image is a server-rendered data: URL.
//   - Error pages never show technical details, only a catalogue message.
package templates
