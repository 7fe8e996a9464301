package vault

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twofetch/twofetch"
)

// Keyring is a set of local key-encryption keys, one of them active. Like
// HashiCorp Vault's barrier keyring it is immutable: AddKey returns a new
// keyring with one more key, and the old keys stay so data keys wrapped
// before a rotation still unwrap.
//
// A keyring from OpenKeyring remembers its file. When it meets a key id it
// does not hold (another process rotated), it rereads the file once and
// from then on wraps with the newer active key too.
type Keyring struct {
	kind   string // "local" (file) or "master" (TWOFETCH_MASTER_KEY)
	path   string
	keys   []ringKey // ascending term; never modified after construction
	active int       // index into keys
	newer  atomic.Pointer[Keyring]
}

type ringKey struct {
	term    uint32
	id      string
	key     []byte
	created time.Time
}

var _ KEK = (*Keyring)(nil)

// keyringFile is the on-disk form: JSON, so an operator can see which keys
// exist (never printed by twofetch) and back the file up with the database.
type keyringFile struct {
	Format int       `json:"format"`
	Active uint32    `json:"active"`
	Keys   []fileKey `json:"keys"`
}

type fileKey struct {
	Term    uint32    `json:"term"`
	Key     []byte    `json:"key"`
	Created time.Time `json:"created"`
}

// OpenKeyring opens the keyring file at path, creating it with one new
// random key and mode 0600 when it does not exist. A file readable by group
// or others is refused: it holds the keys to every secret.
func OpenKeyring(path string) (*Keyring, error) {
	k, err := readKeyring(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	f := keyringFile{Format: 1, Active: 1, Keys: []fileKey{{Term: 1, Key: key, Created: time.Now().UTC()}}}
	if err := writeKeyringFile(path, &f, false); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	// Another process may have created it first; either way the file now
	// holds the keyring everyone uses.
	return readKeyring(path)
}

// MasterKey returns a keyring holding the key given in TWOFETCH_MASTER_KEY:
// base64 of 32 bytes. To rotate such a key, give "NEW,OLD": NEW wraps, OLD
// still unwraps, and Rotate rewraps everything under NEW.
func MasterKey(base64Key string) (*Keyring, error) {
	parts := strings.Split(strings.TrimSpace(base64Key), ",")
	k := &Keyring{kind: "master"}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		key, err := base64.StdEncoding.DecodeString(p)
		if err != nil {
			key, err = base64.RawStdEncoding.DecodeString(p)
		}
		if err != nil {
			return nil, fmt.Errorf("vault: master key %d is not base64", i+1)
		}
		if len(key) != dataKeySize {
			return nil, fmt.Errorf("vault: master key %d has %d bytes, want %d", i+1, len(key), dataKeySize)
		}
		id := "master:" + fingerprint(key)
		if slices.ContainsFunc(k.keys, func(r ringKey) bool { return r.id == id }) {
			return nil, fmt.Errorf("vault: master key %d is given twice", i+1)
		}
		k.keys = append(k.keys, ringKey{term: uint32(i + 1), id: id, key: key})
	}
	return k, nil
}

// AddKey returns a new keyring with a new random key, which becomes the
// active one. k itself is unchanged and the file is not touched; Vault.Rotate
// persists.
func (k *Keyring) AddKey() (*Keyring, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	return k.withKey(key, time.Now().UTC()), nil
}

func (k *Keyring) withKey(key []byte, created time.Time) *Keyring {
	var term uint32
	for _, r := range k.keys {
		term = max(term, r.term)
	}
	term++
	n := &Keyring{kind: k.kind, path: k.path, keys: slices.Clone(k.keys)}
	n.keys = append(n.keys, ringKey{term: term, id: n.idFor(term, key), key: key, created: created})
	n.active = len(n.keys) - 1
	return n
}

// KeyIDs lists the ids of every key in the keyring, the active one last.
func (k *Keyring) KeyIDs() []string {
	c := k.current()
	var ids []string
	for i, r := range c.keys {
		if i != c.active {
			ids = append(ids, r.id)
		}
	}
	return append(ids, c.keys[c.active].id)
}

func (k *Keyring) idFor(term uint32, key []byte) string {
	if k.kind == "master" {
		return "master:" + fingerprint(key)
	}
	return "local:" + strconv.FormatUint(uint64(term), 10) + ":" + fingerprint(key)
}

// fingerprint tells keys apart in key ids (a keyring file recreated from
// scratch reuses term 1) without revealing anything useful about them.
func fingerprint(key []byte) string {
	h := sha256.Sum256(append([]byte("twofetch keyring fingerprint\x00"), key...))
	return hex.EncodeToString(h[:4])
}

func (k *Keyring) current() *Keyring {
	if n := k.newer.Load(); n != nil {
		return n
	}
	return k
}

func (k *Keyring) keyID() string {
	c := k.current()
	return c.keys[c.active].id
}

func (k *Keyring) owns(id string) bool { return kindOf(id) == k.kind }

func (k *Keyring) find(id string) []byte {
	c := k.current()
	for _, r := range c.keys {
		if r.id == id {
			return r.key
		}
	}
	if k.path == "" {
		return nil
	}
	// Another process may have rotated: the file is the source of truth.
	n, err := readKeyring(k.path)
	if err != nil {
		return nil
	}
	for _, r := range n.keys {
		if r.id == id {
			k.newer.Store(n)
			return r.key
		}
	}
	return nil
}

func (k *Keyring) generate(ctx context.Context, ref twofetch.SecretRef) ([]byte, []byte, string, error) {
	dk, err := newKey()
	if err != nil {
		return nil, nil, "", err
	}
	wrapped, id, err := k.wrap(ctx, dk, ref)
	if err != nil {
		clear(dk)
		return nil, nil, "", err
	}
	return dk, wrapped, id, nil
}

func (k *Keyring) wrap(_ context.Context, plain []byte, ref twofetch.SecretRef) ([]byte, string, error) {
	c := k.current()
	r := c.keys[c.active]
	nonce, ct, err := encrypt(r.key, plain, bindingAAD("twofetch/vault/dk/v1", ref, r.id))
	if err != nil {
		return nil, "", err
	}
	return append(nonce, ct...), r.id, nil
}

func (k *Keyring) unwrap(_ context.Context, id string, wrapped []byte, ref twofetch.SecretRef) ([]byte, error) {
	key := k.find(id)
	if key == nil {
		return nil, unknownKey(id)
	}
	if len(wrapped) < nonceSize {
		return nil, ErrCorrupt
	}
	return decrypt(key, wrapped[:nonceSize], wrapped[nonceSize:], bindingAAD("twofetch/vault/dk/v1", ref, id))
}

func (k *Keyring) rotate(ctx context.Context) (KEK, error) {
	if k.path == "" {
		// A master key is rotated by the operator ("NEW,OLD"); rotation
		// then rewraps under the first key.
		return k, nil
	}
	unlock, err := lockFile(k.path + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Start from the file, not from memory: another process may have added
	// keys since this one read it, and dropping them would lose secrets.
	cur, err := readKeyring(k.path)
	if err != nil {
		return nil, err
	}
	n, err := cur.AddKey()
	if err != nil {
		return nil, err
	}
	if err := writeKeyringFile(k.path, n.file(), true); err != nil {
		return nil, err
	}
	// Other vaults in this process holding k wrap with the new key too.
	k.newer.Store(n)
	return n, nil
}

func (k *Keyring) file() *keyringFile {
	f := &keyringFile{Format: 1, Active: k.keys[k.active].term}
	for _, r := range k.keys {
		f.Keys = append(f.Keys, fileKey{Term: r.term, Key: r.key, Created: r.created})
	}
	return f
}

func newKey() ([]byte, error) {
	b := make([]byte, dataKeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return b, nil
}

func readKeyring(path string) (*Keyring, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("vault: keyring: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("vault: keyring %s is accessible to group or others (mode %04o); run chmod 600 on it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vault: keyring: %w", err)
	}
	defer clear(b)
	k, err := parseKeyring(b)
	if err != nil {
		return nil, fmt.Errorf("vault: keyring %s: %w", path, err)
	}
	k.path = path
	return k, nil
}

// parseKeyring checks everything a damaged or hand-edited file could get
// wrong; its errors name terms, never key bytes.
func parseKeyring(b []byte) (*Keyring, error) {
	var f keyringFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, errors.New("not a keyring file (invalid JSON)")
	}
	if f.Format != 1 {
		return nil, fmt.Errorf("unknown keyring format %d", f.Format)
	}
	if len(f.Keys) == 0 {
		return nil, errors.New("keyring holds no keys")
	}
	k := &Keyring{kind: "local", active: -1}
	for _, fk := range f.Keys {
		if fk.Term == 0 {
			return nil, errors.New("keyring key without a term")
		}
		if len(fk.Key) != dataKeySize {
			return nil, fmt.Errorf("keyring key %d has %d bytes, want %d", fk.Term, len(fk.Key), dataKeySize)
		}
		if slices.ContainsFunc(k.keys, func(r ringKey) bool { return r.term == fk.Term }) {
			return nil, fmt.Errorf("keyring term %d appears twice", fk.Term)
		}
		k.keys = append(k.keys, ringKey{term: fk.Term, id: k.idFor(fk.Term, fk.Key), key: fk.Key, created: fk.Created})
	}
	slices.SortFunc(k.keys, func(a, b ringKey) int { return int(a.term) - int(b.term) })
	for i, r := range k.keys {
		if r.term == f.Active {
			k.active = i
		}
	}
	if k.active < 0 {
		return nil, fmt.Errorf("keyring's active term %d is not among its keys", f.Active)
	}
	return k, nil
}

// writeKeyringFile writes f durably: a temporary file in the same
// directory, fsynced, then renamed over path (replace) or linked to it
// (create only if absent, fs.ErrExist otherwise), and the directory fsynced.
// A crash leaves either the old file or the new one, never a torn one.
func writeKeyringFile(path string, f *keyringFile, replace bool) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	defer clear(b)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("vault: keyring: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".keyring-*")
	if err != nil {
		return fmt.Errorf("vault: keyring: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("vault: keyring: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("vault: keyring: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("vault: keyring: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("vault: keyring: %w", err)
	}
	if replace {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("vault: keyring: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
