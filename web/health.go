package web

import (
	"context"
	"net/http"
	"sync"
)

// healthz says only that the process serves; orchestrators restart it when
// this stops answering, so it must not depend on anything else.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.JSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// Readiness is the body of /readyz: overall status and one entry per check,
// "ok" or "unavailable". The reasons go to the log, not to the unauthenticated
// caller.
type Readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	res := s.Ready(r.Context())
	status := http.StatusOK
	if res.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	s.JSON(w, r, status, res)
}

// Ready runs every check concurrently, each under CheckTimeout.
func (s *Server) Ready(ctx context.Context) Readiness {
	res := Readiness{Status: "ok", Checks: make(map[string]string, len(s.cfg.Checks))}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, c := range s.cfg.Checks {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, s.cfg.CheckTimeout)
			defer cancel()
			err := c.Check(cctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				s.log.WarnContext(ctx, "readiness check failed", "check", c.Name, "err", err)
				res.Checks[c.Name] = "unavailable"
				res.Status = "unavailable"
				return
			}
			res.Checks[c.Name] = "ok"
		})
	}
	wg.Wait()
	return res
}
