package replica

import "net/http"

// signOut ends the browser's session, as a portal's logout link does;
// trusted devices stay trusted.
func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(p.spec.SessionCookie)
	if err != nil {
		return
	}
	p.mu.Lock()
	delete(p.sessions, c.Value)
	p.mu.Unlock()
	http.SetCookie(w, p.cookie(p.spec.SessionCookie, "", -1))
}
