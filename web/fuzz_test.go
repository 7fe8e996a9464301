package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web"
)

// FuzzCreateAccount feeds arbitrary bodies and Authorization headers to
// POST /api/v1/accounts: every answer must be 201 or a 4xx with a JSON
// error of a known code, never a 500, and the password never comes back.
// Seeds are in testdata/fuzz/FuzzCreateAccount.
func FuzzCreateAccount(f *testing.F) {
	e := sqliteEnv(f)
	_, token, _ := e.tenant(f, "Fuzz")
	h := e.srv.Handler()
	codes := map[string]int{
		twofetch.EINVALID: 400, twofetch.EUNAUTHORIZED: 401, twofetch.ETOOLARGE: 413, twofetch.ENOTFOUND: 404,
	}
	f.Fuzz(func(t *testing.T, body string, auth string, useToken bool) {
		req := httptest.NewRequest("POST", "/api/v1/accounts", strings.NewReader(body))
		if useToken {
			auth = "Bearer " + token
		}
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusCreated {
			var sent web.CreateAccountRequest
			if err := json.Unmarshal([]byte(body), &sent); err != nil {
				t.Fatalf("created an account from a body that does not decode: %v", err)
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if _, ok := got["password"]; ok {
				t.Fatalf("response has a password field: %s", rec.Body)
			}
			for k, v := range got {
				if v == sent.Password && v != got["username"] && v != got["portal"] && v != got["label"] {
					t.Fatalf("response field %s holds the password: %s", k, rec.Body)
				}
			}
			return
		}
		var eb web.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
			t.Fatalf("status %d with non-JSON body %q", rec.Code, rec.Body)
		}
		want, ok := codes[eb.Error.Code]
		if !ok || want != rec.Code {
			t.Fatalf("status %d with error %+v", rec.Code, eb.Error)
		}
	})
}
