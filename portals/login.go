package portals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/twofetch/twofetch"
)

// LoginStore is offered by a job's Secrets when the login keeps its browser
// between runs: the identity it was given once, and its whole profile
// (cookies, local storage, IndexedDB and the other stores where portals
// keep "trusted device" marks), both sealed.
type LoginStore interface {
	// Identity returns what SaveIdentity stored, or an error for which
	// twofetch.IsNotFound is true.
	Identity(ctx context.Context) ([]byte, error)
	SaveIdentity(ctx context.Context, b []byte) error
	// Profile returns what SaveProfile stored, or an error for which
	// twofetch.IsNotFound is true.
	Profile(ctx context.Context) ([]byte, error)
	SaveProfile(ctx context.Context, b []byte) error
}

// errBlocked ends a run whose browser asked for a host the script does not
// list.
var errBlocked = errors.New("request to a host the script does not list")

// loginState is the browser side of one run: its identity, profile
// directory and egress proxy.
type loginState struct {
	setup   *loginSetup
	egress  *egress
	store   LoginStore
	mu      sync.Mutex
	blocked []string
}

// identityFor returns the login's stored identity, drawing and storing one
// the first time; a browser upgrade refreshes its user agent.
func identityFor(ctx context.Context, store LoginStore, hints IdentityHints, browserUA string) (*Identity, error) {
	if store == nil {
		return NewIdentity(hints, browserUA)
	}
	raw, err := store.Identity(ctx)
	switch {
	case twofetch.IsNotFound(err) || (err == nil && len(raw) == 0):
	case err != nil:
		return nil, fmt.Errorf("read the browser identity: %w", err)
	default:
		id, err := ParseIdentity(raw)
		if err != nil {
			return nil, err
		}
		if id.Refresh(browserUA) {
			if err := saveIdentity(ctx, store, id); err != nil {
				return nil, err
			}
		}
		return id, nil
	}
	id, err := NewIdentity(hints, browserUA)
	if err != nil {
		return nil, err
	}
	return id, saveIdentity(ctx, store, id)
}

func saveIdentity(ctx context.Context, store LoginStore, id *Identity) error {
	b, err := json.Marshal(id)
	if err != nil {
		return err
	}
	if err := store.SaveIdentity(ctx, b); err != nil {
		return fmt.Errorf("store the browser identity: %w", err)
	}
	return nil
}

// prepareLogin gives the run its identity, restores the login's profile
// into a directory of its own, and starts the egress proxy that admits only
// the script's hosts.
func (rn *run) prepareLogin() error {
	ls := &loginState{setup: &loginSetup{key: rn.job.Login}}
	rn.login = ls
	if ls.setup.key == "" {
		ls.setup.key = rn.s.ID + "\x00" + rn.job.Username
	}
	ls.store, _ = rn.job.Secrets.(LoginStore)
	if rn.job.Identity.Country == "" && len(rn.s.Countries) > 0 {
		rn.job.Identity.Country = rn.s.Countries[0]
	}
	p := rn.r.pool
	ctx, cancel := context.WithTimeout(rn.jobCtx, 30*time.Second)
	defer cancel()
	id, err := identityFor(ctx, ls.store, rn.job.Identity, p.browserUA)
	if err != nil {
		return twofetch.FailWith(twofetch.OutcomeTransient, err, "no browser identity")
	}
	ls.setup.identity = id
	if !p.cfg.SharedBrowser {
		dir, err := os.MkdirTemp("", "twofetch-profile-")
		if err != nil {
			return fmt.Errorf("browser profile: %w", err)
		}
		ls.setup.profileDir = dir
		if ls.store != nil {
			raw, err := ls.store.Profile(ctx)
			switch {
			case twofetch.IsNotFound(err) || (err == nil && len(raw) == 0):
			case err != nil:
				// A vault hiccup costs a login, not the run.
				rn.log.Warn("could not read the browser profile; starting with an empty one", "error", err)
			default:
				if err := unpackProfile(raw, dir); err != nil {
					rn.log.Warn("browser profile unreadable; starting with an empty one", "error", err)
					os.RemoveAll(dir)
					os.MkdirAll(dir, 0o700)
				}
			}
		}
	}
	upstream := rn.job.Proxy
	if px, ok := rn.job.Secrets.(interface {
		Proxy(ctx context.Context) (string, error)
	}); ok && upstream == "" {
		if upstream, err = px.Proxy(ctx); err != nil {
			// Never connect directly when a proxy may be configured.
			return twofetch.FailWith(twofetch.OutcomeTransient, err, "could not read the proxy from the vault")
		}
	}
	allow := append([]string(nil), rn.s.Hosts...)
	allow = append(allow, rn.alsoHosts...)
	allow = append(allow, rn.job.ExtraHosts...)
	eg, err := startEgress(egressConfig{
		Allow:    allow,
		Upstream: upstream,
		Resolve:  resolverFlags(p.cfg.ExtraFlags),
		Logger:   rn.log,
		OnBlock:  rn.blockedRequest,
		ListenIP: p.cfg.EgressAddr,
	})
	if err != nil {
		return twofetch.FailWith(twofetch.OutcomeTransient, err, "no egress proxy")
	}
	ls.egress = eg
	ls.setup.proxy = eg.URL()
	ls.setup.proxyAuth = [2]string{eg.user, eg.password}
	return nil
}

// blockedRequest ends the run: a page or script tried to reach a host the
// script does not list.
func (rn *run) blockedRequest(target string) {
	ls := rn.login
	ls.mu.Lock()
	ls.blocked = append(ls.blocked, target)
	ls.mu.Unlock()
	rn.abort(errBlocked)
}

// blockedURL is the first refused request, if any.
func (rn *run) blockedURL() string {
	if rn.login == nil {
		return ""
	}
	rn.login.mu.Lock()
	defer rn.login.mu.Unlock()
	if len(rn.login.blocked) == 0 {
		return ""
	}
	return rn.login.blocked[0]
}

// finishLogin seals the profile of a run that left the login signed in,
// after the browser wrote it and before another run may take it.
func (rn *run) finishLogin() {
	ls := rn.login
	if ls == nil {
		return
	}
	if ls.egress != nil {
		ls.egress.Close()
	}
	dir := ls.setup.profileDir
	if dir == "" {
		return
	}
	defer os.RemoveAll(dir)
	if ls.store == nil || !rn.signedIn || rn.blockedURL() != "" {
		return
	}
	b, err := packProfile(dir)
	if err != nil {
		rn.log.Warn("could not pack the browser profile", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(rn.jobCtx), 30*time.Second)
	defer cancel()
	if err := ls.store.SaveProfile(ctx, b); err != nil {
		rn.log.Warn("could not store the browser profile", "error", err)
	}
}
