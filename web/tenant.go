package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/sms"
)

// TenantSettings is what a tenant may change about itself through the API.
// Absent fields keep their value.
type TenantSettings struct {
	Language   *string  `json:"language,omitempty"`
	WebhookURL *string  `json:"webhook_url,omitempty"`
	QuietStart *int     `json:"quiet_start,omitempty"`
	QuietEnd   *int     `json:"quiet_end,omitempty"`
	QuietDays  []string `json:"quiet_days,omitempty"`
	TimeZone   *string  `json:"time_zone,omitempty"`
	// DisplayName is the name customers know the tenant by, shown in the
	// enrolment SMS and on customer pages; "" clears it.
	DisplayName *string `json:"display_name,omitempty"`
	// Support is how customers reach the tenant's support; a part set to
	// "" is cleared, an absent part kept.
	Support *ContactSettings `json:"support,omitempty"`
	// RotateWebhookSecret makes a new signing secret; one is also made when
	// a webhook URL is first set. The secret is shown in that response only.
	RotateWebhookSecret bool `json:"rotate_webhook_secret,omitempty"`
}

// ContactSettings changes parts of a tenant's support contact.
type ContactSettings struct {
	Phone *string `json:"phone,omitempty"`
	Email *string `json:"email,omitempty"`
	URL   *string `json:"url,omitempty"`
}

// maxDisplayName keeps the SMS that names the tenant short.
const maxDisplayName = 50

type tenantJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Language   string   `json:"language"`
	WebhookURL string   `json:"webhook_url,omitempty"`
	QuietStart int      `json:"quiet_start"`
	QuietEnd   int      `json:"quiet_end"`
	QuietDays  []string `json:"quiet_days"`
	TimeZone   string   `json:"time_zone,omitempty"`
	// DisplayName and Support are what customers see of the tenant.
	DisplayName string           `json:"display_name,omitempty"`
	Support     twofetch.Contact `json:"support"`
	// WebhookSecret is present only in the response that created it.
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func tenantOut(t *twofetch.Tenant) tenantJSON {
	out := tenantJSON{ID: t.ID, Name: t.Name, Language: t.Language, WebhookURL: t.WebhookURL,
		QuietStart: t.QuietStart, QuietEnd: t.QuietEnd, TimeZone: t.TimeZone, QuietDays: []string{},
		DisplayName: t.DisplayName, Support: t.Support}
	for _, d := range t.QuietDays {
		out.QuietDays = append(out.QuietDays, weekdays[d])
	}
	return out
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request) {
	s.JSON(w, r, http.StatusOK, tenantOut(TenantFrom(r.Context())))
}

func (s *Server) patchTenant(w http.ResponseWriter, r *http.Request) {
	var in TenantSettings
	if err := s.DecodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	// Work on a fresh copy: the context's tenant is shared by this request.
	t, err := s.cfg.Store.Tenant(r.Context(), TenantFrom(r.Context()).ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := applyTenantSettings(t, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.WebhookURL != nil && t.WebhookURL != "" {
		// Checked again at every delivery, after DNS resolution.
		if err := s.cfg.Outbound.CheckURL(r.Context(), t.WebhookURL); err != nil {
			s.Error(w, r, twofetch.Errorf(twofetch.EINVALID, "webhook_url: %v", err))
			return
		}
	}
	var secret string
	if t.WebhookURL != "" && (t.WebhookSecret == "" || in.RotateWebhookSecret) {
		var b [32]byte
		_, _ = rand.Read(b[:])
		secret = "whsec_" + base64.RawURLEncoding.EncodeToString(b[:])
		if err := s.cfg.Vault.Seal(r.Context(), twofetch.WebhookSecretRef(t.ID), []byte(secret)); err != nil {
			s.Error(w, r, err)
			return
		}
		t.WebhookSecret = twofetch.WebhookSealed
	}
	if err := s.cfg.Store.UpdateTenant(r.Context(), t); err != nil {
		s.Error(w, r, err)
		return
	}
	if t.WebhookURL == "" {
		// Webhooks are off: the secret signs nothing any more.
		if err := s.cfg.Vault.Delete(r.Context(), twofetch.WebhookSecretRef(t.ID)); err != nil && !twofetch.IsNotFound(err) {
			s.log.WarnContext(r.Context(), "delete webhook secret", "tenant", t.ID, "err", err)
		}
	}
	s.audit(r, "tenant.update", t.ID, "")
	out := tenantOut(t)
	out.WebhookSecret = secret
	s.JSON(w, r, http.StatusOK, out)
}

func applyTenantSettings(t *twofetch.Tenant, in *TenantSettings) error {
	if in.Language != nil {
		if !slices.Contains([]string{"de", "en", "nl"}, *in.Language) {
			return twofetch.Errorf(twofetch.EINVALID, "language: want de, en or nl")
		}
		t.Language = *in.Language
	}
	if in.WebhookURL != nil {
		u := strings.TrimSpace(*in.WebhookURL)
		if u != "" {
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
				return twofetch.Errorf(twofetch.EINVALID, "webhook_url: want an http:// or https:// URL")
			}
		} else {
			t.WebhookSecret = ""
		}
		t.WebhookURL = u
	}
	for name, p := range map[string]*int{"quiet_start": in.QuietStart, "quiet_end": in.QuietEnd} {
		if p != nil && (*p < 0 || *p > 23) {
			return twofetch.Errorf(twofetch.EINVALID, "%s: want an hour from 0 to 23", name)
		}
	}
	if in.QuietStart != nil {
		t.QuietStart = *in.QuietStart
	}
	if in.QuietEnd != nil {
		t.QuietEnd = *in.QuietEnd
	}
	if in.QuietDays != nil {
		t.QuietDays = nil
		for _, d := range in.QuietDays {
			i := slices.Index(weekdays, strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))])
			if i < 0 {
				return twofetch.Errorf(twofetch.EINVALID, "quiet_days: %q is not a weekday (mon … sun)", d)
			}
			if !slices.Contains(t.QuietDays, time.Weekday(i)) {
				t.QuietDays = append(t.QuietDays, time.Weekday(i))
			}
		}
	}
	if in.TimeZone != nil {
		if _, err := time.LoadLocation(*in.TimeZone); err != nil {
			return twofetch.Errorf(twofetch.EINVALID, "time_zone: %q is not an IANA time zone", *in.TimeZone)
		}
		t.TimeZone = *in.TimeZone
	}
	if in.DisplayName != nil {
		n := strings.TrimSpace(*in.DisplayName)
		if utf8.RuneCountInString(n) > maxDisplayName || strings.IndexFunc(n, unicode.IsControl) >= 0 {
			return twofetch.Errorf(twofetch.EINVALID, "display_name: at most %d characters, on one line", maxDisplayName)
		}
		t.DisplayName = n
	}
	if c := in.Support; c != nil {
		if c.Phone != nil {
			p := strings.TrimSpace(*c.Phone)
			if p != "" {
				n, err := sms.NormalizePhone(p)
				if err != nil {
					return twofetch.Errorf(twofetch.EINVALID, "support.phone: %v", err)
				}
				p = n
			}
			t.Support.Phone = p
		}
		if c.Email != nil {
			e := strings.TrimSpace(*c.Email)
			if e != "" {
				// A bare address: the page links it as mailto:.
				a, err := mail.ParseAddress(e)
				if err != nil || a.Address != e || len(e) > 254 {
					return twofetch.Errorf(twofetch.EINVALID, "support.email: want an e-mail address such as help@example.com")
				}
			}
			t.Support.Email = e
		}
		if c.URL != nil {
			u := strings.TrimSpace(*c.URL)
			if u != "" {
				// Customers open it from a page that vouches for it: the
				// tenant's own page, over https.
				p, err := url.Parse(u)
				if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || len(u) > 500 {
					return twofetch.Errorf(twofetch.EINVALID, "support.url: want an https:// URL")
				}
			}
			t.Support.URL = u
		}
	}
	return nil
}

// rotateAdminToken replaces the tenant's admin token, for when it may have
// leaked: the old token and every support session opened with it stop
// working at once, while the tenant, its API token and its accounts stay.
// The new token is in this response only.
func (s *Server) rotateAdminToken(w http.ResponseWriter, r *http.Request) {
	t, err := s.cfg.Store.Tenant(r.Context(), TenantFrom(r.Context()).ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	token, hash := twofetch.NewToken("tfadm")
	t.AdminTokenHash = hash
	if err := s.cfg.Store.UpdateTenant(r.Context(), t); err != nil {
		s.Error(w, r, err)
		return
	}
	s.audit(r, "tenant.admin_token_rotated", t.ID, "")
	s.JSON(w, r, http.StatusOK, map[string]string{"admin_token": token})
}
