package web

import (
	"net/http"

	"github.com/twofetch/twofetch"
)

// EventList is the body of GET /api/v1/events: the tenant's events in the
// order they were written, each as its webhook delivered (or will deliver)
// it. Next, when set, is the "after" parameter that continues the list.
type EventList struct {
	Events []*twofetch.Event `json:"events"`
	Next   string            `json:"next,omitempty"`
}

// listEvents lets an operator catch up after an outage of their receiver:
// every event since the last one they processed, oldest first.
func (p *Pipeline) listEvents(w http.ResponseWriter, r *http.Request, t *twofetch.Tenant) error {
	pg, err := pageFrom(r)
	if err != nil {
		return err
	}
	evs, err := p.Store.ListEvents(r.Context(), t.ID, pg.After, pg.Limit)
	if err != nil {
		return err
	}
	res := EventList{Events: evs}
	if len(evs) == pg.Limit {
		res.Next = evs[len(evs)-1].ID
	}
	p.srv.JSON(w, r, http.StatusOK, res)
	return nil
}
