package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkGetAccount measures one authenticated GET through the whole
// middleware stack and the SQLite store over loopback HTTP.
func BenchmarkGetAccount(b *testing.B) {
	e := sqliteEnv(b)
	_, token, _ := e.tenant(b, "Bench")
	id := e.createAccount(b, token, "demo", "bench@example.com", "bench-password").ID
	req, _ := http.NewRequest("GET", e.http.URL+"/api/v1/accounts/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	client := e.http.Client()
	for b.Loop() {
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}

// BenchmarkCreateAccount measures account creation including sealing the
// password (data key generation, AES-GCM, keyring wrap) and the audit row.
func BenchmarkCreateAccount(b *testing.B) {
	e := sqliteEnv(b)
	_, token, _ := e.tenant(b, "Bench")
	client := e.http.Client()
	for b.Loop() {
		req, _ := http.NewRequest("POST", e.http.URL+"/api/v1/accounts", strings.NewReader(`{"portal":"demo","username":"bench@example.com","password":"bench-password"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}
