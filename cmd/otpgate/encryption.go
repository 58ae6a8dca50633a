package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// rotateEncryption is `keys rotate-encryption --new-key-file FILE`: every
// stored sealed value is opened with the configured keys (primary and
// accepted, and the new key, so that running again is harmless) and sealed
// again with the new key, in one database transaction. Deployment steps:
// README, "Rotating the encryption key".
func (c *cli) rotateEncryption(ctx context.Context, args []string) error {
	fs := c.flags("keys rotate-encryption")
	var newKeyFile string
	fs.StringVar(&newKeyFile, "new-key-file", "", "file holding the new encryption key")
	if _, err := c.parse(fs, args); err != nil {
		return err
	}
	if newKeyFile == "" {
		return errors.New("keys rotate-encryption: --new-key-file is required")
	}
	newKey, err := config.ReadKeyFile("--new-key-file", newKeyFile)
	if err != nil {
		return err
	}
	c.alsoAccepted = [][]byte{newKey}
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	to, err := credential.NewSealer(newKey)
	if err != nil {
		return err
	}
	counts, err := provider.RotateEncryption(ctx, rt.store, rt.sealer, to)
	if err != nil {
		if errors.Is(err, provider.ErrUnopenable) {
			return fmt.Errorf("keys rotate-encryption: nothing was changed: %w; add the key it was written with to encryption_accepted_key_files", err)
		}
		return fmt.Errorf("keys rotate-encryption: nothing was changed: %w", err)
	}
	var parts []string
	resealed := 0
	for _, kind := range store.SealedKinds {
		n := counts[kind]
		resealed += n.Resealed
		parts = append(parts, fmt.Sprintf("%d %s (%d already under it)", n.Resealed, plural(kind), n.Unchanged))
	}
	summary := fmt.Sprintf("re-encrypted with key %s: %s", to.KeyID(), strings.Join(parts, ", "))
	if err := c.record(ctx, rt, "keys rotate-encryption", store.AuditEvent{Event: store.EventAdminKeys,
		Detail: summary}); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, summary)
	if to.KeyID() != rt.sealer.KeyID() {
		fmt.Fprintf(c.stdout, "next: make %s the primary key (encryption_key_file) on every replica, keeping the current key %s accepted, then run this again\n",
			newKeyFile, rt.sealer.KeyID())
	}
	return nil
}

// plural names several values of kind k ("device secrets"; "pending
// recovery codes" is already plural: each value is a sealed set).
func plural(k store.SealedKind) string {
	if strings.HasSuffix(string(k), "s") {
		return string(k)
	}
	return string(k) + "s"
}

// encryptionStatus is `keys encryption-status`: how many stored values
// each encryption key id seals, so that an operator sees when no value
// needs an old key any more.
func (c *cli) encryptionStatus(ctx context.Context, args []string) error {
	if _, err := c.parse(c.flags("keys encryption-status"), args); err != nil {
		return err
	}
	rt, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	status, err := provider.EncryptionStatus(ctx, rt.store)
	if err != nil {
		return err
	}
	known := map[string]string{rt.sealer.KeyID(): "primary"}
	for _, k := range rt.accepted {
		if id := credential.KeyID(k); known[id] == "" {
			known[id] = "accepted"
		}
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KIND\tKEY ID\tKEY\tVALUES")
	for _, kind := range store.SealedKinds {
		for _, id := range slices.Sorted(maps.Keys(status[kind])) {
			role := known[id]
			switch {
			case id == "legacy":
				role = "written before key ids"
			case role == "":
				role = "unknown"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", kind, id, role, status[kind][id])
		}
	}
	return w.Flush()
}
