package web_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
	"github.com/twofetch/twofetch/web"
)

// englishSupportLabels are the support pages' labels as they read in
// English: none may be left on a page in another language.
var englishSupportLabels = []string{
	"Failing runs", "Portal health", "Sign out", "failing runs",
	"Accounts failing now", "Broken for many", "The customer must act", "Interrupted: retrying", "Recent failures",
	">Finished<", ">Outcome<", ">Latest failed run<", ">Action<",
	"account failing now", "accounts failing now", "since the window began", "Script fixed", "more failed in the last 7 days",
	"Re-run ", "Send the enrolment SMS again", "The customer acted", "Run again", "No re-run until the password changes",
	"Waiting for the customer", "none yet", "In words", "Script version", "failed at step", ">Trigger<", ">Queued<", ">Started<",
	"New invoices", "this page follows it", "Run this account again now", "The customer reads", "Their status page", "Support does",
	"Artifacts", "Download the page HTML", "it is never opened here", "Step log", "No screenshot, page or step log",
	"In English", "Set the customer's new password", ">queued<", ">running<", ">finished<",
	"Refused script files", "fail lint", "in use instead", "no version in use", "No finished runs", "Outcomes (7 days)", ">Healed<",
	"Failing step", "Last success", "Newest failure", ">degraded<", "healed run", " today", ">never<", "all tenants", "built-in", " runs<",
}

// TestSupportPagesInTenantLanguage renders the failing runs page and the
// run pages for tenants whose language is German or Dutch: the labels are
// the catalog's in that language, and none of the English ones is left.
func TestSupportPagesInTenantLanguage(t *testing.T) {
	want := map[string][]string{
		"de": {"Fehlgeschlagene Läufe", "Für viele gestört: Der Support handelt", "Der Kunde muss handeln", "Unterbrochen: wiederholen sich von selbst",
			"Letzte Fehlschläge", "2 Konten schlagen derzeit fehl", "1 Konto schlägt derzeit fehl", "Skript korrigiert: alle 2 erneut ausführen",
			"Kein neuer Lauf, bis das Passwort geändert ist", "Einrichtungs-SMS erneut senden", "Neuer Lauf in der Warteschlange…",
			"1 weiteres ist in den letzten 7 Tagen fehlgeschlagen und läuft seitdem wieder.", "Abmelden", "Portalzustand"},
		"nl": {"Mislukte uitvoeringen", "Kapot voor velen: support handelt", "De klant moet handelen", "Onderbroken: herhalen zich vanzelf",
			"Recente mislukkingen", "2 accounts mislukken nu", "1 account mislukt nu", "Script hersteld: alle 2 opnieuw uitvoeren",
			"Geen nieuwe uitvoering tot het wachtwoord is gewijzigd", "Koppelings-sms opnieuw sturen", "Nieuwe uitvoering in de wachtrij…",
			"Nog 1 mislukte in de afgelopen 7 dagen en werkt sindsdien weer.", "Afmelden", "Portaalstatus"},
	}
	wantRun := map[string][]string{
		"de": {"Lauf <code>", "Skriptversion", "Der Kunde liest", "Der Support tut", "Artefakte", "Schrittprotokoll", "HTML der Seite herunterladen",
			"Dieses Konto jetzt erneut ausführen", "Wir kümmern uns darum", "beendet"},
		"nl": {"Uitvoering <code>", "Scriptversie", "De klant leest", "Support doet", "Artefacten", "Stappenlog", "HTML van de pagina downloaden",
			"Dit account nu opnieuw uitvoeren", "We zijn ermee bezig", "beëindigd"},
	}
	for _, lang := range []string{"de", "nl"} {
		t.Run(lang, func(t *testing.T) {
			pe := newPipeEnv(t)
			pe.realRenew(t)
			pe.pipe.MountPortalHealth(pe.srv, fakeScripts{refused: []web.RefusedScript{{File: "github.yaml", Problems: []string{"github.yaml:41 (/login/2/type/selector): required"},
				Since: time.Now().Add(-20 * time.Minute), InUse: "v-now-github"}}})
			ctx := context.Background()
			ten, err := pe.store.Tenant(ctx, pe.a.ID)
			if err != nil {
				t.Fatal(err)
			}
			ten.Language = lang
			if err := pe.store.UpdateTenant(ctx, ten); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			account := func(portal, user string) *twofetch.Account {
				a := &twofetch.Account{TenantID: pe.a.ID, Portal: portal, Username: user, Status: twofetch.AccountActive}
				if err := pe.store.CreateAccount(ctx, a); err != nil {
					t.Fatal(err)
				}
				if err := pe.vault.Seal(ctx, twofetch.LoginSecret(a, twofetch.FieldPassword), []byte("pw-"+user)); err != nil {
					t.Fatal(err)
				}
				return a
			}
			gh1, gh2, fixed := account("github", "ada@example.com"), account("github", "grace@example.com"), account("github", "linus@example.com")
			broken := pe.addRun(t, gh1, now.Add(-2*time.Hour), twofetch.OutcomePortalChanged)
			pe.addRun(t, gh2, now.Add(-2*time.Hour), twofetch.OutcomePortalChanged)
			pe.addRun(t, fixed, now.Add(-2*time.Hour), twofetch.OutcomePortalChanged)
			pe.addRun(t, fixed, now.Add(-time.Hour), twofetch.OutcomeOK)
			pw := account("amazon-de", "erika@example.com")
			// Refused after its password was set: no re-run until it changes.
			pwRun := pe.queue(t, pw, twofetch.TriggerSchedule)
			pe.play(t, pwRun, twofetch.OutcomeBadCredentials, "Your password is incorrect", 0)
			pe.addRun(t, account("hetzner", "max@example.com"), now.Add(-time.Hour), twofetch.OutcomeOTPMissing)
			flaky := account("heroku", "sam@example.com")
			pe.addRun(t, flaky, now.Add(-time.Hour), twofetch.OutcomeTransient)
			queued := pe.queue(t, flaky, twofetch.TriggerManual)
			if err := pe.store.(interface {
				SetRunScript(context.Context, string, string, string, string) error
			}).SetRunScript(ctx, broken.TenantID, broken.ID, "3f9a2c61be07", "login/2"); err != nil {
				t.Fatal(err)
			}
			pe.writeArtifacts(t, broken, map[string][]byte{"screenshot.png": pngBytes(t), "page.html": []byte("<html></html>"), "steps.log": []byte("navigate https://github.com/login\n")})

			c := pe.browser(t)
			c.login(t, pe.aAdmin)
			page := func(path string, want []string) {
				t.Helper()
				res := c.get(t, path)
				if res.status != 200 {
					t.Fatalf("%s: %d", path, res.status)
				}
				body := html.UnescapeString(string(res.body))
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("%s is not marked as %s", path, lang)
				}
				for _, w := range want {
					if !strings.Contains(body, w) {
						t.Errorf("%s lacks %q", path, w)
					}
				}
				for _, en := range englishSupportLabels {
					if strings.Contains(body, en) {
						t.Errorf("%s still says %q in English", path, en)
					}
				}
				if m := regexp.MustCompile(`⟦[^⟧]*⟧`).FindString(body); m != "" {
					t.Errorf("%s shows a missing text %s", path, m)
				}
			}
			page("/support", want[lang])
			page("/support/runs/"+broken.ID, wantRun[lang])
			page("/support/runs/"+pwRun.ID, []string{map[string]string{"de": "Kein neuer Lauf, bis das Passwort geändert ist: Das Portal", "nl": "Geen nieuwe uitvoering tot het wachtwoord is gewijzigd: het portaal"}[lang]})
			page("/support/runs/"+queued.ID, []string{map[string]string{"de": "Dieser Lauf ist: in der Warteschlange.", "nl": "Deze uitvoering is: in de wachtrij."}[lang]})
			page("/support/portals", map[string][]string{
				"de": {"<h1>Portalzustand <span", "Abgelehnte Skriptdateien", "stattdessen in Gebrauch:", "Ergebnisse (7 Tage)", "Letzter Erfolg", "Neuester Fehlschlag", "von 4 Läufen", "Fehlgeschlagene Läufe"},
				"nl": {"<h1>Portaalstatus <span", "Geweigerde scriptbestanden", "in plaats daarvan in gebruik:", "Resultaten (7 dagen)", "Laatste succes", "Nieuwste mislukking", "van 4 uitvoeringen", "Mislukte uitvoeringen"},
			}[lang])
			page("/support/runs/"+pwRun.ID+"?error=password", []string{map[string]string{"de": "Das Portal hat dieses Passwort abgelehnt", "nl": "Het portaal weigerde dit wachtwoord"}[lang]})
		})
	}
}
