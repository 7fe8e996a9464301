package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/web"
)

// credentialCatalog: the United Internet sign-in of IONOS and 1&1 asks for
// a customer number and, on 1&1, a PIN kept secret; Slack for its
// workspace; GitHub for nothing more.
type credentialCatalog struct{ web.PortalFamilyList }

func (credentialCatalog) Credentials(portal string) []web.CredentialField {
	switch portal {
	case "ionos":
		return []web.CredentialField{{Name: "customer_number", Label: "Kundennummer"}}
	case "1und1":
		return []web.CredentialField{{Name: "customer_number", Label: "Kundennummer"}, {Name: "pin", Secret: true}}
	case "slack":
		return []web.CredentialField{{Name: "workspace"}}
	}
	return nil
}

// TestCredentialValues: accounts and logins carry the values of the
// credentials their scripts ask for, checked against the scripts, secret
// ones sealed under the login and never shown or stored in the clear.
func TestCredentialValues(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := b.dsn(t, dir)
			e := catalogEnv(t, dsn, dir, credentialCatalog{web.PortalFamilyList{
				"ionos": "united-internet", "1und1": "united-internet", "slack": "slack", "github": "github",
			}})
			ten, token, _ := e.tenant(t, "Books")
			ctx := context.Background()
			create := func(body map[string]any) (response, *twofetch.Account) {
				t.Helper()
				res := e.do(t, "POST", "/api/v1/accounts", token, body)
				var a twofetch.Account
				if res.status == 201 {
					if err := json.Unmarshal(res.body, &a); err != nil {
						t.Fatal(err)
					}
				}
				return res, &a
			}
			refusals := []struct {
				name string
				body map[string]any
				want string
			}{
				{"missing", map[string]any{"portal": "slack", "username": "ada@example.com", "password": "pw"},
					"portal slack also needs workspace"},
				{"unknown name", map[string]any{"portal": "slack", "username": "ada@example.com", "password": "pw",
					"credentials": map[string]string{"workspace": "acme", "team": "x"}}, `portal slack asks for no "team", only for workspace`},
				{"none asked", map[string]any{"portal": "github", "username": "ada", "password": "pw",
					"credentials": map[string]string{"org": "acme"}}, "asks for nothing besides username and password"},
				{"password as credential", map[string]any{"portal": "github", "username": "ada", "password": "pw",
					"credentials": map[string]string{"password": "x"}}, "password has a field of its own"},
				{"empty", map[string]any{"portal": "slack", "username": "ada@example.com", "password": "pw",
					"credentials": map[string]string{"workspace": ""}}, "workspace is empty"},
				{"control characters", map[string]any{"portal": "slack", "username": "ada@example.com", "password": "pw",
					"credentials": map[string]string{"workspace": "ac\nme"}}, "workspace contains control characters"},
				{"missing with its label", map[string]any{"portal": "1und1", "username": "ada", "password": "pw",
					"credentials": map[string]string{"pin": "1234"}}, "also needs customer_number (Kundennummer)"},
			}
			for _, tc := range refusals {
				res, _ := create(tc.body)
				if res.status != 400 || !strings.Contains(message(res), tc.want) {
					t.Errorf("%s: %d %s, want 400 saying %q", tc.name, res.status, res.body, tc.want)
				}
			}
			if as, err := e.store.ListAccounts(ctx, ten.ID, twofetch.Page{}); err != nil || len(as) != 0 {
				t.Fatalf("refused requests left accounts: %v %v", as, err)
			}

			res, slack := create(map[string]any{"portal": "slack", "username": "ada@example.com", "password": "pw",
				"credentials": map[string]string{"workspace": "acme"}})
			if res.status != 201 || slack.Credentials["workspace"] != "acme" {
				t.Fatalf("slack account: %d %s", res.status, res.body)
			}

			// 1&1 with its customer number and secret PIN; the PIN is
			// sealed under the login and appears nowhere in the clear.
			const pin = "pin-8642-secret"
			res, one := create(map[string]any{"portal": "1und1", "username": "ada", "password": "pw",
				"credentials": map[string]string{"customer_number": "K-100", "pin": pin}})
			if res.status != 201 || one.Credentials["customer_number"] != "K-100" || one.Credentials["pin"] != "" {
				t.Fatalf("1&1 account: %d %s", res.status, res.body)
			}
			if bytes.Contains(res.body, []byte(pin)) {
				t.Fatal("the answer shows the PIN")
			}
			got, err := e.vault.Open(ctx, twofetch.SecretRef{TenantID: one.TenantID, AccountID: one.LoginID, Field: twofetch.FieldCredential("pin")})
			if err != nil || string(got) != pin {
				t.Fatalf("PIN in the vault: %q, %v", got, err)
			}
			text := testenv.DatabaseText(t, dsn, dir)
			if !strings.Contains(text, "K-100") {
				t.Fatal("the database text does not show the customer number stored in the clear; the scan cannot be trusted")
			}
			if strings.Contains(text, pin) {
				t.Fatal("the PIN is in the database in the clear")
			}
			if strings.Contains(e.logs.String(), pin) {
				t.Fatal("the PIN is in the log")
			}

			// IONOS behind the same login: the customer number is the
			// login's once set there, so the account need not repeat it.
			res, _ = create(map[string]any{"portal": "ionos", "username": "ada", "login_id": one.LoginID})
			if res.status != 400 || !strings.Contains(string(res.body), "customer_number") {
				t.Fatalf("ionos without a customer number: %d %s", res.status, res.body)
			}
			res = e.do(t, "PATCH", "/api/v1/logins/"+one.LoginID, token, map[string]any{"credentials": map[string]string{"customer_number": "K-100"}})
			var lv struct {
				Credentials map[string]string `json:"credentials"`
			}
			if res.status != 200 || json.Unmarshal(res.body, &lv) != nil || lv.Credentials["customer_number"] != "K-100" {
				t.Fatalf("patch login: %d %s", res.status, res.body)
			}
			res, ionos := create(map[string]any{"portal": "ionos", "username": "ada", "login_id": one.LoginID})
			if res.status != 201 {
				t.Fatalf("ionos behind the login: %d %s", res.status, res.body)
			}
			l, err := e.store.LoginByID(ctx, one.LoginID)
			if err != nil {
				t.Fatal(err)
			}
			if v := twofetch.CredentialValues(l, ionos); v["customer_number"] != "K-100" {
				t.Fatalf("a run of ionos would get %v", v)
			}
			for _, tc := range []struct {
				body any
				want string
			}{
				{map[string]any{"credentials": map[string]string{"workspace": "acme"}}, `the login's portals ask for no "workspace", only for customer_number, pin`},
				{map[string]any{}, "nothing to change"},
			} {
				if res := e.do(t, "PATCH", "/api/v1/logins/"+one.LoginID, token, tc.body); res.status != 400 || !strings.Contains(message(res), tc.want) {
					t.Errorf("patch %v: %d %s, want 400 saying %q", tc.body, res.status, res.body, tc.want)
				}
			}
			// An empty value removes a secret one.
			if res := e.do(t, "PATCH", "/api/v1/logins/"+one.LoginID, token, map[string]any{"credentials": map[string]string{"pin": ""}}); res.status != 200 {
				t.Fatalf("remove the PIN: %d %s", res.status, res.body)
			}
			if _, err := e.vault.Open(ctx, twofetch.SecretRef{TenantID: one.TenantID, AccountID: one.LoginID, Field: twofetch.FieldCredential("pin")}); !twofetch.IsNotFound(err) {
				t.Fatalf("PIN after removal: %v", err)
			}
		})
	}
}

// message is the message of an error answer.
func message(res response) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(res.body, &e)
	return e.Error.Message
}
