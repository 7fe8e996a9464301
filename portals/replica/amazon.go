package replica

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The Amazon family shares one sign-in (/ap/signin, /ap/mfa, /ap/cvf/…),
// served by amazon_pages.go for every store on its own host and in its
// own language. An amazonSite says what differs: the host, the texts, the
// date format, whether the order history is known (Amazon.de, Amazon.fr)
// and whether the sign-in shows the device picker before the code.
type amazonSite struct {
	Base string // scheme and host of the store, e.g. https://www.amazon.fr
	Lang string // the html lang attribute
	Logo string
	// Orders: the order history, its invoice popovers and PDFs are served.
	// Without it the replica stops at a landing page after sign-in, because
	// no source shows the pages there.
	Orders bool
	// Picker: after the password Amazon shows form#auth-select-device-form
	// to choose where the code comes from (authenticator, SMS, call).
	Picker bool
	Date   func(time.Time) string
	T      amazonTexts
}

// amazonTexts are a store's words. Each site below says which of them a
// source quotes; the others are translations marked as unverified.
type amazonTexts struct {
	SignInTitle, SignIn, EmailLabel, Continue, Change, Password, SignInButton, KeepSignedIn string
	ErrorHeading, NoAccount, BadPassword, CaptchaError, CaptchaLabel                        string
	MFATitle, MFAIntro, OTPLabel, RememberDevice, BadCode                                   string
	PickerTitle, PickerTOTP, PickerSMS, PickerSend                                          string
	ApprovalTitle, ApprovalText, VerifyTitle, VerifyText, CodeLabel, SendCode               string
	OrdersTitle, OrdersLabel, Months3, Placed, Total, OrderNo, Invoice, Delivered, NoOrders string
	Next, PrintSummary, InvoiceN, SummaryTitle, PDFTitle, SignOut                           string
}

var amazonSites = map[string]*amazonSite{}

func (p *Portal) amazon() *amazonSite { return amazonSites[p.spec.ID] }

// amazonGerman: the German words of the sign-in. Quoted by a source (the
// amazon.de GetMyInvoices-style script): "Der eingegebene Code ist
// ungültig", "Rechnung N". woob reads amazon.de in English, so its
// English errors ("We cannot find an account with that e-mail address",
// "Your password is incorrect", "Enter the characters as they are shown
// in the image.") are translated here; the translations are unverified,
// as are the labels and headings.
var amazonGerman = amazonTexts{
	SignInTitle: "Amazon Anmelden", SignIn: "Anmelden", EmailLabel: "E-Mail-Adresse oder Mobiltelefonnummer",
	Continue: "Weiter", Change: "Ändern", Password: "Passwort", SignInButton: "Anmelden", KeepSignedIn: "Angemeldet bleiben",
	ErrorHeading: "Es ist ein Problem aufgetreten", NoAccount: "Wir können kein Konto mit dieser E-Mail-Adresse finden",
	BadPassword: "Ihr Passwort ist falsch", CaptchaError: "Geben Sie die Zeichen so ein, wie sie auf dem Bild erscheinen.",
	CaptchaLabel: "Zeichen eingeben", MFATitle: "Zwei-Schritt-Verifizierung",
	MFAIntro: "Ein Einmalpasswort (OTP) wurde von Ihrer Authenticator-App generiert.", OTPLabel: "Einmalpasswort eingeben",
	RememberDevice: "Auf diesem Browser nicht mehr nach einem Code fragen",
	BadCode:        "Der eingegebene Code ist ungültig. Bitte versuchen Sie es erneut.",
	PickerTitle:    "Zwei-Schritt-Verifizierung", PickerTOTP: "Authenticator-App", PickerSMS: "SMS", PickerSend: "Code senden",
	ApprovalTitle: "Anmeldung genehmigen", ApprovalText: "Wir haben eine Benachrichtigung an Ihr Gerät gesendet. Genehmigen Sie die Anmeldung, um fortzufahren.",
	VerifyTitle: "Verifizierung erforderlich", VerifyText: "Um Ihr Konto zu schützen, haben wir Ihnen einen Code gesendet an",
	CodeLabel: "Code eingeben", SendCode: "Code senden",
	OrdersTitle: "Meine Bestellungen", OrdersLabel: "Bestellungen", Months3: "in den letzten 3 Monaten",
	Placed: "Bestellung aufgegeben", Total: "Summe", OrderNo: "Bestellnr.", Invoice: "Rechnung", Delivered: "Zugestellt",
	NoOrders: "Sie haben in diesem Zeitraum keine Bestellungen aufgegeben.", Next: "Weiter",
	PrintSummary: "Bestellübersicht drucken", InvoiceN: "Rechnung", SummaryTitle: "Bestellübersicht",
	PDFTitle: "Amazon.de Rechnung", SignOut: "Abmelden",
}

// amazonFrench: woob's Amazon module reads amazon.fr and quotes
// "Identifiez-vous" (the sign-in heading), "Connexion", "Votre mot de
// passe est incorrect", "Impossible de trouver un compte correspondant à
// cette adresse e-mail" and "Saisissez les caractères tels qu'ils
// apparaissent sur l'image.". No source quotes the French code page, the
// refused code, the approval and device-check pages or the order history:
// those words are translations, unverified.
var amazonFrench = amazonTexts{
	SignInTitle: "Amazon Connexion", SignIn: "Identifiez-vous", EmailLabel: "Adresse e-mail ou numéro de téléphone portable",
	Continue: "Continuer", Change: "Modifier", Password: "Mot de passe", SignInButton: "S'identifier", KeepSignedIn: "Rester connecté",
	ErrorHeading: "Un problème est survenu", NoAccount: "Impossible de trouver un compte correspondant à cette adresse e-mail",
	BadPassword: "Votre mot de passe est incorrect", CaptchaError: "Saisissez les caractères tels qu'ils apparaissent sur l'image.",
	CaptchaLabel: "Saisissez les caractères", MFATitle: "Vérification en deux étapes",
	MFAIntro: "Un mot de passe à usage unique (OTP) a été généré par votre application d'authentification.",
	OTPLabel: "Saisissez le mot de passe à usage unique", RememberDevice: "Ne plus demander de code sur ce navigateur",
	BadCode:     "Le code saisi n'est pas valide. Veuillez réessayer.",
	PickerTitle: "Vérification en deux étapes", PickerTOTP: "Application d'authentification", PickerSMS: "SMS", PickerSend: "Envoyer le code",
	ApprovalTitle: "Approuver la connexion", ApprovalText: "Nous avons envoyé une notification à votre appareil. Approuvez la connexion pour continuer.",
	VerifyTitle: "Vérification nécessaire", VerifyText: "Pour protéger votre compte, nous vous avons envoyé un code à",
	CodeLabel: "Saisissez le code", SendCode: "Envoyer le code",
	OrdersTitle: "Vos commandes", OrdersLabel: "Commandes", Months3: "au cours des 3 derniers mois",
	Placed: "Commande effectuée le", Total: "Total", OrderNo: "N° de commande", Invoice: "Facture", Delivered: "Livré",
	NoOrders: "Vous n'avez passé aucune commande pendant cette période.", Next: "Suivant",
	PrintSummary: "Imprimer le récapitulatif de commande", InvoiceN: "Facture", SummaryTitle: "Récapitulatif de commande",
	PDFTitle: "Amazon.fr Facture", SignOut: "Déconnexion",
}

// amazonEnglish: Seller Central's help pages, which describe its sign-in
// and two-step verification, are English, and woob quotes the English
// errors ("We cannot find an account with that e-mail address", "Your
// password is incorrect", "Enter the characters as they are shown in the
// image."); public scrapers quote the device picker's "Authenticator
// app". The rest of the wording is unverified.
var amazonEnglish = amazonTexts{
	SignInTitle: "Amazon Sign-In", SignIn: "Sign in", EmailLabel: "Email or mobile phone number",
	Continue: "Continue", Change: "Change", Password: "Password", SignInButton: "Sign in", KeepSignedIn: "Keep me signed in",
	ErrorHeading: "There was a problem", NoAccount: "We cannot find an account with that e-mail address",
	BadPassword: "Your password is incorrect", CaptchaError: "Enter the characters as they are shown in the image.",
	CaptchaLabel: "Type characters", MFATitle: "Two-Step Verification",
	MFAIntro: "A One Time Password (OTP) has been generated by your Authenticator App.", OTPLabel: "Enter OTP",
	RememberDevice: "Don't require OTP on this browser", BadCode: "The code you entered is not valid. Please try again.",
	PickerTitle: "Two-Step Verification", PickerTOTP: "Authenticator app", PickerSMS: "Text me at my number", PickerSend: "Send OTP",
	ApprovalTitle: "Approve the notification", ApprovalText: "We sent a notification to your device. Approve it to continue.",
	VerifyTitle: "Verification needed", VerifyText: "To protect your account, we sent a code to",
	CodeLabel: "Enter code", SendCode: "Submit code", SignOut: "Sign out",
}

func englishLongDate(t time.Time) string { return t.Format("January 2, 2006") }

var frenchMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre"}

// frenchLongDate writes a date the way woob parses amazon.fr's order
// cards (a French long date such as "3 août 2026"; the exact form on the
// card is not quoted by a source).
func frenchLongDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d", t.Day(), frenchMonths[t.Month()-1], t.Year())
}

// amazonMint: document ids are UUIDs (/documents/download/<uuid>/invoice.pdf)
// and order numbers read 302-1234567-1234567 (171- on amazon.fr per
// woob's test data is not confirmed, so all stores use the same form).
func amazonMint(sum []byte, _ int) (string, string) {
	h := hex.EncodeToString(sum[:16])
	id := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	n := func(b []byte) int { return (int(b[0])<<16 | int(b[1])<<8 | int(b[2])) % 10000000 }
	return id, fmt.Sprintf("302-%07d-%07d", n(sum[16:]), n(sum[19:]))
}

// registerAmazon registers one store of the family with the shared pages.
// The device cookie of the stores other than amazon.de and amazon.fr is
// not known; the replica reuses amazon.de's name on their own hosts.
func registerAmazon(sp *spec, site *amazonSite) {
	sp.Lang = strings.SplitN(site.Lang, "-", 2)[0]
	sp.SessionCookie = "session-token"
	sp.Login = loginSpec{URL: site.Base + "/ap/signin"}
	sp.TwoFA = twoFASpec{URL: site.Base + "/ap/mfa"}
	sp.Mint = amazonMint
	sp.Pages = amazonPages
	amazonSites[sp.ID] = site
	register(sp)
}

func init() {
	registerAmazon(&spec{
		ID: "amazon-de", Name: "Amazon.de", Currency: "EUR", Color: "#232f3e", DeviceCookie: "x-acbde",
		Billing:  billingSpec{URL: "https://www.amazon.de/gp/css/order-history"},
		Settings: "https://www.amazon.de/a/settings/approval/setup/register",
	}, &amazonSite{Base: "https://www.amazon.de", Lang: "de-de", Logo: "amazon.de", Orders: true,
		Date: germanLongDate, T: amazonGerman})

	registerAmazon(&spec{
		ID: "amazon-fr", Name: "Amazon.fr", Currency: "EUR", Color: "#232f3e", DeviceCookie: "x-acbfr",
		Billing:  billingSpec{URL: "https://www.amazon.fr/gp/css/order-history"},
		Settings: "https://www.amazon.fr/a/settings/approval/setup/register",
	}, &amazonSite{Base: "https://www.amazon.fr", Lang: "fr-fr", Logo: "amazon.fr", Orders: true,
		Date: frenchLongDate, T: amazonFrench})

	// Audible.de signs in with the Amazon account on www.audible.de/ap/signin
	// (an open-source Audible client builds that URL with
	// openid.assoc_handle=amzn_audible_…; giga.de: "Loggt euch dort mit
	// euren Amazon-Kontodaten ein"). Which pages follow sign-in and where
	// Audible keeps its invoices is not known from any source.
	registerAmazon(&spec{
		ID: "audible-de", Name: "Audible.de", Currency: "EUR", Color: "#f7991c", DeviceCookie: "x-acbde",
		// The authenticator is set up in the Amazon account's settings;
		// no Audible page for it is known.
		Billing: billingSpec{URL: "https://www.audible.de/"},
	}, &amazonSite{Base: "https://www.audible.de", Lang: "de-de", Logo: "audible.de",
		Date: germanLongDate, T: amazonGerman})

	// Seller Central signs in with the Amazon login (sellercentral help
	// 202153510), makes two-step verification mandatory (202110760,
	// SWPS4GPEPMXZ98R) and shows the device picker before the code (public
	// scrapers). Its pages after sign-in and the location of the seller's
	// fee invoices are not known from any source.
	registerAmazon(&spec{
		ID: "amazon-sellercentral", Name: "Amazon Seller Central", Currency: "EUR", Color: "#232f3e", DeviceCookie: "x-acbde",
		// Settings > Login Settings > Advanced Security Settings holds
		// the QR code (help SWPS4GPEPMXZ98R); its address is not known.
		Billing: billingSpec{URL: "https://sellercentral.amazon.de/"},
	}, &amazonSite{Base: "https://sellercentral.amazon.de", Lang: "en-gb", Logo: "amazon seller central",
		Picker: true, Date: englishLongDate, T: amazonEnglish})
}

func (p *Portal) amazonRender(w http.ResponseWriter, name string, d *amazonData) {
	d.S = p.amazon()
	amazonPageSet.render(w, http.StatusOK, name, d)
}

func (p *Portal) amazonFragment(w http.ResponseWriter, name string, d *amazonData) {
	d.S = p.amazon()
	amazonPageSet.fragment(w, name, d)
}

// devicePicks records the second-step methods chosen in a portal's method
// picker, per portal, newest last, so tests can see the authenticator was
// chosen.
var (
	devicePickMu sync.Mutex
	devicePicks  = map[*Portal][]string{}
)

// pick records a choice made in the portal's method picker.
func (p *Portal) pick(choice string) {
	devicePickMu.Lock()
	devicePicks[p] = append(devicePicks[p], choice)
	devicePickMu.Unlock()
}

// DevicePicks returns the methods chosen in the portal's method picker,
// oldest first: Amazon's otpDeviceContext values, Google's challenge
// types.
func (p *Portal) DevicePicks() []string {
	devicePickMu.Lock()
	defer devicePickMu.Unlock()
	return append([]string(nil), devicePicks[p]...)
}
