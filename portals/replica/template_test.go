package replica

import (
	"testing"
)

// The shared template serves portals no source describes page by page.
// These test portals keep every shape of it under test (two-step login
// with a method picker, one-page login, a JSON-API billing page on another
// host, form-button and printable documents) whatever the real portals
// move to their own pages.
func init() {
	register(&spec{
		ID: "example-links", Name: "Example Links", Currency: "EUR",
		SessionCookie: "sid", DeviceCookie: "trusted",
		Login: loginSpec{
			URL: "https://links.example.test/signin", PasswordURL: "https://links.example.test/signin/password",
			Heading:  "Sign in",
			Email:    field{Name: "login_email", ID: "email", Label: "Email"},
			Password: field{Name: "login_password", ID: "password", Label: "Password"},
			Remember: field{Name: "keep", ID: "keep", Label: "Keep me signed in"},
			Next:     button{ID: "next", Label: "Next"}, Submit: button{ID: "login", Label: "Log in"},
		},
		Picker: &pickerSpec{URL: "https://links.example.test/challenges", Heading: "Confirm it's you",
			Name: "method", App: "APP", Others: []string{"SMS"}, Submit: button{ID: "pick", Label: "Next"}},
		TwoFA: twoFASpec{URL: "https://links.example.test/challenges/app", Heading: "Enter your code",
			Code:     field{Name: "otp", ID: "otp", Label: "Code"},
			Remember: field{Name: "remember", ID: "remember", Label: "Remember this device"},
			Submit:   button{ID: "verify", Label: "Verify"}},
		Billing:  billingSpec{URL: "https://links.example.test/invoices", Heading: "Invoices", Document: "https://links.example.test/invoices/{id}/pdf", TableID: "invoices"},
		Settings: "https://links.example.test/settings/2fa", Terms: "https://links.example.test/terms",
		InvoiceIDPrefix: "L-", InvoiceNumberPrefix: "LN",
	})
	register(&spec{
		ID: "example-api", Name: "Example API", Color: "#0069ff",
		SessionCookie: "api_session", CookieDomain: "api.example.test",
		Login: loginSpec{URL: "https://login.api.example.test/login", Heading: "Log in",
			Email:    field{Name: "user[email]", ID: "email", Label: "Email"},
			Password: field{Name: "user[password]", ID: "password", Label: "Password"},
			Submit:   button{ID: "login-submit", Label: "Log In"}},
		TwoFA: twoFASpec{URL: "https://login.api.example.test/2fa", Heading: "Two-factor authentication",
			Code: field{Name: "otp", ID: "otp", Label: "Code"}, Submit: button{ID: "verify-otp", Label: "Verify"}},
		Billing: billingSpec{URL: "https://cloud.api.example.test/billing", Heading: "Billing", Style: jsonAPI,
			API: "https://cloud.api.example.test/api/invoices", Document: "https://cloud.api.example.test/invoices/{id}/pdf", TableID: "billing"},
		Settings: "https://cloud.api.example.test/security", Terms: "https://cloud.api.example.test/terms",
		InvoiceIDPrefix: "inv-", InvoiceNumberPrefix: "API",
	})
	register(&spec{
		ID: "example-buttons", Name: "Example Buttons", Lang: "de", Currency: "EUR",
		SessionCookie: "sess",
		Login: loginSpec{URL: "https://buttons.example.test/login", Heading: "Anmelden",
			Email:    field{Name: "user", ID: "user", Label: "Kundennummer"},
			Password: field{Name: "pass", ID: "pass", Label: "Passwort"},
			Submit:   button{ID: "go", Label: "Anmelden"}},
		TwoFA: twoFASpec{URL: "https://buttons.example.test/otp", Heading: "Sicherheitscode",
			Code: field{Name: "code", ID: "code", Label: "Code"}, Submit: button{ID: "ok", Label: "OK"}},
		Billing: billingSpec{URL: "https://buttons.example.test/rechnungen", Heading: "Rechnungen", Style: buttonDownload,
			Document: "https://buttons.example.test/rechnungen/download", TableID: "rechnungen"},
		Settings: "https://buttons.example.test/2fa", Terms: "https://buttons.example.test/agb",
		InvoiceIDPrefix: "R", InvoiceNumberPrefix: "RE",
	})
	register(&spec{
		ID: "example-print", Name: "Example Print",
		SessionCookie: "print_session",
		Login: loginSpec{URL: "https://print.example.test/login", Heading: "Sign in",
			Email:    field{Name: "email", ID: "email", Label: "Email"},
			Password: field{Name: "password", ID: "password", Label: "Password"},
			Submit:   button{ID: "signin", Label: "Sign in"}},
		TwoFA: twoFASpec{URL: "https://print.example.test/2fa", Heading: "Two-factor",
			Code: field{Name: "code", ID: "code", Label: "Code"}, Submit: button{ID: "verify", Label: "Verify"}},
		Billing: billingSpec{URL: "https://print.example.test/billing", Heading: "Billing", Style: printPage,
			Document: "https://print.example.test/billing/{id}", TableID: "receipts"},
		Settings: "https://print.example.test/settings", Terms: "https://print.example.test/terms",
		InvoiceIDPrefix: "P", InvoiceNumberPrefix: "PR",
	})
}

// templateIDs lists the replicas served by the shared template.
func templateIDs() []string {
	var ids []string
	for _, id := range IDs() {
		if registry[id].Pages == nil && registry[id].Of == "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestTemplatePortalsRegistered(t *testing.T) {
	if n := len(templateIDs()); n < 4 {
		t.Fatalf("%d template portals, want the 4 test portals at least", n)
	}
}
