// Package readmetest holds the test that keeps README.md's shell commands
// true. Every command of its ```sh, ```bash, ```shell and ```console blocks
// is either run as written — in a copy of the checkout, with a HOME, GOPATH
// and data of its own, no OTPGATE_* variables, and servers only on 127.0.0.1 —
// or run as written by .ci/run, or listed with the reason it is not run. A
// command added to the README without one of the three fails the test.
package readmetest
