package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/demo"
	"github.com/otpgate/otpgate/provider/store"
)

const (
	demoClientID = "demo"
	demoUsername = "demo"
	demoQuestion = "first_pet"
	demoAnswer   = "otpgate"
)

func newUserID() string { return "u_" + strings.ToLower(strings.TrimRight(randText(), "=")) }

// demoSeed is what development mode prints for a newcomer.
type demoSeed struct{ Username, Password, Answer string }

// seedDemo creates (once) the demo user and (re)registers the demo client
// for the current issuer. The demo password is random, kept in the data
// directory so it can be printed at every start.
func seedDemo(ctx context.Context, rt *runtime, issuer string) (demoSeed, error) {
	seed := demoSeed{Username: demoUsername, Answer: demoAnswer}
	path := filepath.Join(rt.cfg.DataDir, "demo-password.txt")
	if b, err := os.ReadFile(path); err == nil {
		seed.Password = strings.TrimSpace(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return seed, fmt.Errorf("demo password: %w", err)
	}
	_, err := rt.store.UserByUsername(ctx, demoUsername)
	switch {
	case errors.Is(err, store.ErrNotFound):
		seed.Password = credential.NewToken()[:16]
		if err := os.WriteFile(path, []byte(seed.Password+"\n"), 0o600); err != nil {
			return seed, fmt.Errorf("demo password: %w", err)
		}
		u := &store.User{
			ID: newUserID(), Username: demoUsername, Email: "demo@example.com", Name: "Demo User", GivenName: "Demo", FamilyName: "User",
			PasswordHash: rt.hasher.Hash(seed.Password),
			Question:     demoQuestion, AnswerHash: rt.hasher.Hash(credential.NormalizeAnswer(demoAnswer)),
		}
		if err := rt.store.CreateUser(ctx, u); err != nil {
			return seed, err
		}
	case err != nil:
		return seed, err
	}
	if seed.Password == "" {
		seed.Password = "(changed; see " + path + " or reset it with: otpgate user set-password demo)"
	}
	now := rt.store.Now()
	err = rt.store.SaveClient(ctx, &store.Client{
		ID: demoClientID, Name: "otpgate demo", Public: true, RequireMFA: true,
		RedirectURIs:           store.StringList{demo.RedirectURI(issuer)},
		PostLogoutRedirectURIs: store.StringList{demo.PostLogoutURI(issuer)},
		CreatedAt:              now, UpdatedAt: now,
	})
	return seed, err
}

// syncConfigClients makes the clients declared in the configuration file
// exist exactly as declared, and removes config-declared clients that are
// no longer in the file. Clients added with the CLI are left alone.
func syncConfigClients(ctx context.Context, rt *runtime) error {
	declared := map[string]bool{}
	now := rt.store.Now()
	for _, c := range rt.cfg.Clients {
		declared[c.ID] = true
		if existing, err := rt.store.ClientByID(ctx, c.ID); err == nil && !existing.FromConfig {
			return fmt.Errorf("client %q is declared in the configuration but was added with the CLI; remove one of them", c.ID)
		}
		row := &store.Client{
			ID: c.ID, Name: c.Name, Public: c.Public, RequireMFA: c.RequireMFA, RememberBrowser: c.RememberBrowser, FromConfig: true,
			IDTokenSignedResponseAlg: c.IDTokenSignedResponseAlg,
			RedirectURIs:             store.StringList(c.RedirectURIs), PostLogoutRedirectURIs: store.StringList(c.PostLogoutRedirectURIs),
			CreatedAt: now, UpdatedAt: now,
		}
		if row.PostLogoutRedirectURIs == nil {
			row.PostLogoutRedirectURIs = store.StringList{}
		}
		if !c.Public {
			row.SecretHash = rt.hasher.HashClientSecret(c.Secret)
		}
		if err := rt.store.SaveClient(ctx, row); err != nil {
			return err
		}
	}
	all, err := rt.store.ListClients(ctx)
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.FromConfig && !declared[c.ID] {
			if err := rt.store.DeleteClient(ctx, c.ID); err != nil {
				return err
			}
			rt.log.Info("removed client no longer declared in the configuration", "client_id", c.ID)
		}
	}
	return nil
}
