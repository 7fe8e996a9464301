package vault

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twofetch/twofetch"
)

// memStore is an in-memory SecretStore with the same version semantics as
// the SQL store: PutSecret replaces and bumps, UpdateSecret compares.
type memStore struct {
	mu      sync.Mutex
	secrets map[twofetch.SecretRef]twofetch.Secret
}

var _ twofetch.SecretStore = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{secrets: map[twofetch.SecretRef]twofetch.Secret{}}
}

func copySecret(s twofetch.Secret) *twofetch.Secret {
	s.Sealed = slices.Clone(s.Sealed)
	return &s
}

func (m *memStore) PutSecret(_ context.Context, s *twofetch.Secret) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.Version = m.secrets[s.Ref].Version + 1
	s.UpdatedAt = time.Now()
	m.secrets[s.Ref] = *copySecret(*s)
	return nil
}

func (m *memStore) UpdateSecret(_ context.Context, s *twofetch.Secret) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.secrets[s.Ref]
	if !ok {
		return twofetch.ErrNotFound
	}
	if cur.Version != s.Version {
		return twofetch.Errorf(twofetch.ECONFLICT, "secret changed")
	}
	s.Version++
	s.UpdatedAt = time.Now()
	m.secrets[s.Ref] = *copySecret(*s)
	return nil
}

func (m *memStore) GetSecret(_ context.Context, ref twofetch.SecretRef) (*twofetch.Secret, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.secrets[ref]
	if !ok {
		return nil, twofetch.ErrNotFound
	}
	return copySecret(s), nil
}

func (m *memStore) DeleteSecret(_ context.Context, ref twofetch.SecretRef) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.secrets[ref]; !ok {
		return twofetch.ErrNotFound
	}
	delete(m.secrets, ref)
	return nil
}

func (m *memStore) SecretsNotWrappedBy(_ context.Context, keyID string, limit int) ([]*twofetch.Secret, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*twofetch.Secret
	for _, s := range m.secrets {
		if s.KeyID != keyID {
			out = append(out, copySecret(s))
		}
	}
	slices.SortFunc(out, func(a, b *twofetch.Secret) int { return strings.Compare(a.Ref.String(), b.Ref.String()) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// set overwrites a stored row as an attacker with database access would.
func (m *memStore) set(s *twofetch.Secret) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets[s.Ref] = *copySecret(*s)
}

var errInjected = errors.New("injected store failure")

// faultStore fails every UpdateSecret after the first n succeed, like a
// process that dies part-way through a rotation.
type faultStore struct {
	twofetch.SecretStore
	n       int64
	updates atomic.Int64
}

func (f *faultStore) UpdateSecret(ctx context.Context, s *twofetch.Secret) error {
	if f.updates.Add(1) > f.n {
		return errInjected
	}
	return f.SecretStore.UpdateSecret(ctx, s)
}
