package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	serverconfig "github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// openStore opens the replicas' database, a postgres:// URL or a SQLite
// path.
func openStore(database string) (*store.Store, error) {
	driver := "sqlite"
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		driver = "postgres"
	}
	return store.Open(driver, database)
}

// readKey reads the servers' encryption key, checked as the server checks
// its encryption_key_file.
func readKey(path string) ([]byte, error) {
	return serverconfig.ReadKeyFile("-encryption-key-file", path)
}

// provision creates the client and the accounts that are missing, hashed
// with the production parameters; for signin-mfa it also enrols each
// account's device (see deviceSecret) where it has none.
func provision(ctx context.Context, c config) error {
	var sealer *credential.Sealer
	if c.mfaAccounts() {
		if c.keyFile == "" {
			return errors.New("-workload signin-mfa needs -encryption-key-file to enrol devices")
		}
		key, err := readKey(c.keyFile)
		if err != nil {
			return err
		}
		if sealer, err = credential.NewSealer(key); err != nil {
			return err
		}
	}
	st, err := openStore(c.database)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	h := credential.NewHasher(credential.OWASP)
	if _, err := st.ClientByID(ctx, c.clientID); errors.Is(err, store.ErrNotFound) {
		err = st.CreateClient(ctx, &store.Client{ID: c.clientID, Name: "otpgate-load", SecretHash: h.Hash(c.secret),
			RedirectURIs: store.StringList{redirectURI}, PostLogoutRedirectURIs: store.StringList{}})
		if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if !workloads[c.workload].signsIn {
		fmt.Fprintf(os.Stderr, "provisioned client %q (the %s workload signs no account in)\n", c.clientID, c.workload)
		return nil
	}
	sem := make(chan struct{}, 4)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		first    error
		created  atomic.Int64
		enrolled atomic.Int64
	)
	for i := range c.users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			u, made, err := ensureAccount(ctx, st, h, c, i)
			if made {
				created.Add(1)
			}
			if err == nil && sealer != nil {
				var did bool
				did, err = ensureDevice(ctx, st, sealer, c, i, u)
				if did {
					enrolled.Add(1)
				}
			}
			if err != nil {
				mu.Lock()
				defer mu.Unlock()
				if first == nil {
					first = fmt.Errorf("%s: %w", username(c, i), err)
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	fmt.Fprintf(os.Stderr, "provisioned client %q and %d new accounts (%d in all)\n", c.clientID, created.Load(), c.users)
	if sealer != nil {
		fmt.Fprintf(os.Stderr, "enrolled %d new devices\n", enrolled.Load())
	}
	return nil
}

// ensureAccount returns account i, creating it when missing (made).
func ensureAccount(ctx context.Context, st *store.Store, h *credential.Hasher, c config, i int) (*store.User, bool, error) {
	u, err := st.UserByUsername(ctx, username(c, i))
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return u, false, err
	}
	u = &store.User{ID: "u_" + randomID(), Username: username(c, i),
		Email: username(c, i) + "@load.example", Name: username(c, i), PasswordHash: h.Hash(password(c, i)),
		Question: "first_pet", AnswerHash: h.Hash(credential.NormalizeAnswer(answer))}
	if err := st.CreateUser(ctx, u); err != nil {
		return nil, false, err
	}
	return u, true, nil
}

// ensureDevice enrols account i's device when it has none (enrolled): the
// secret deviceSecret derives, sealed as the server seals device secrets
// (bound to the user and the device), through the store's one way of
// enrolling a device, a finished enrollment of a flow that stands for this
// provisioning and has already expired.
func ensureDevice(ctx context.Context, st *store.Store, sealer *credential.Sealer, c config, i int, u *store.User) (bool, error) {
	if _, err := st.DeviceByUser(ctx, u.ID); err == nil || !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	now := time.Now().UTC()
	flowID, deviceID := "f_load_"+randomID(), "d_load_"+randomID()
	err := st.CreateFlow(ctx, &store.Flow{ID: flowID,
		FlowRequest:       store.FlowRequest{ClientID: c.clientID, RedirectURI: redirectURI},
		FlowProgress:      store.FlowProgress{UserID: u.ID},
		PendingEnrollment: store.PendingEnrollment{PendingSecret: []byte("otpgate-load")},
		CreatedAt:         now, ExpiresAt: now})
	if err != nil {
		return false, err
	}
	err = st.EnrollDevice(ctx, store.Enrollment{FlowID: flowID, Device: &store.Device{ID: deviceID, UserID: u.ID,
		App: "google-authenticator", EnrolledAt: now,
		Secret: sealer.Seal(deviceSecret(c, i), signin.DeviceAD(u.ID, deviceID))}})
	if err != nil {
		return false, fmt.Errorf("enrol device: %w", err)
	}
	return true, nil
}

func randomID() string {
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	return base64.RawURLEncoding.EncodeToString(id)
}
