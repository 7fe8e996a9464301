package replica

import (
	"html/template"
	"net/url"
)

// Action is the address a sign-in form posts to: the step's path with the
// sign-in's continue address and transaction, as Google's forms carry them.
func (d *googleView) Action(path string) string {
	q := url.Values{"continue": {d.Continue}}
	if d.TL != "" {
		q.Set("TL", d.TL)
	}
	return path + "?" + q.Encode()
}

// The classes and jsnames are those of the saved v3 pages (saml2aws
// examples); they style nothing here and no script keys on them.
const googleLayout = `{{define "layout"}}<!doctype html>
<html lang="en-US" dir="ltr"><head>
<meta name="referrer" content="origin">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:"Google Sans",Roboto,Arial,sans-serif;margin:0;background:#f0f4f9;color:#1f1f1f}
.Ha17qf{max-width:1040px;margin:48px auto;background:#fff;border-radius:28px;padding:36px}
.gEc4r{font-size:22px;font-weight:500;color:#1a73e8}
.Tn0LBd{font-size:36px;font-weight:400;margin:16px 0 8px}
.a2CQh{margin:0 0 24px}
.xyezD{width:100%;box-sizing:border-box;padding:13px 15px;font-size:16px;border:1px solid #747775;border-radius:4px}
.xyezD[aria-invalid=true]{border-color:#b3261e}
.CCQ94b{font-size:13px;color:#444746;margin-top:4px}
.F3wxlc{color:#b3261e;font-size:13px;margin:6px 0}
.JnOM6e{display:inline-block;border:0;border-radius:20px;padding:10px 24px;font-size:14px;cursor:pointer;background:none;color:#0b57d0;text-decoration:none}
.rDisVe{background:#0b57d0;color:#fff}
.i2knIc{margin-top:32px}
.wg0fFb{display:flex;flex-direction:row-reverse;justify-content:space-between;align-items:center}
.G8ZO0d{list-style:none;padding:0}
.mTkos{display:block;width:100%;text-align:left;background:none;border:0;border-top:1px solid #c4c7c5;padding:16px 0;font-size:14px;cursor:pointer}
.wJxLsd{display:inline-block;border:1px solid #747775;border-radius:16px;padding:4px 12px;font-size:14px}
.product{padding:24px}
</style></head>
<body><div class="BDEI9 LZgQXe"><div class="Ha17qf" data-auto-init="Card"><div class="Or16q">
<div class="gEc4r"><span class="TrZEUc" aria-label="Google">Google</span></div>
<div class="EQIoSc" jsname="bN97Pc">
{{template "content" .}}
</div></div></div></div></body></html>{{end}}`

const googleChip = `{{define "chip"}}<div class="C7uRJc"><a href="{{.Action "/v3/signin/identifier"}}" class="HDuqac EI77qf TrZEUc cd29Sd iiFyne" aria-label="{{.Email}} selected. Switch account" jsname="af8ijd"><div class="BOs5fd"><div jsname="bQIQze" class="wJxLsd" data-profile-identifier translate="no">{{.Email}}</div></div></a></div>{{end}}`

// googleError is the error row under a field, as the identifier page shows
// its captcha's refusal.
const googleError = `{{define "error"}}<div class="F3wxlc" jsname="h9d3hd">{{with .Error}}<div jsname="B34EJ"><span jsslot>{{.}}</span></div>{{end}}</div>{{end}}`

const googleTwoStep = `{{define "twostep"}}<div jsname="paFcre"><div class="aMfydd" jsname="tJHJj">
<h1 class="Tn0LBd" jsname="r4nke">2-Step Verification</h1>
<p class="a2CQh" jsname="VdSJob">To help keep your account safe, Google wants to make sure it’s really you trying to sign in</p>
{{template "chip" .}}</div></div>{{end}}`

var googlePages = newPageSet(googleLayout+googleChip+googleError+googleTwoStep, map[string]string{
	"identifier": `{{define "content"}}<div jsname="paFcre"><div class="aMfydd" jsname="tJHJj">
<h1 class="Tn0LBd" jsname="r4nke">Sign in</h1>
<p class="a2CQh" jsname="VdSJob">Use your Google Account</p></div></div>
<form action="{{.Action "/v3/signin/identifier"}}" method="POST" novalidate>
<div class="iEhbme" jsname="rEuO1b"><section class="aN1Vld "><div class="yOnVIb" jsname="MZArnb">
<div class="Fu5aXd" jsname="dWPKW"><div class="Flfooc"><div class="TRuRhd  YKooDc"><div class="fjpXlc"><label class="dXXNOd">
<input class="xyezD" jsname="Ufn6O" type="email" name="identifier" id="identifierId" value="{{.Email}}" autofocus autocapitalize="none" autocomplete="username" dir="ltr"{{if .Error}} aria-invalid="true"{{end}}>
<div class="nWPx2e"><div class="CCQ94b">Email or phone</div></div></label></div></div></div>
{{template "error" .}}</div>
<p class="vOZun"><a href="#" jsname="Cuz2Ue">Forgot email?</a></p>
</div></section></div>
<span jsslot><div class="D4rY0b"><p class="vOZun">Not your computer? Use a private browsing window to sign in.</p></div></span>
<div class="i2knIc" jsname="DH6Rkf"><div class="wg0fFb" jsname="DhK0U">
<div class="RhTxBf" jsname="k77Iif"><button name="action" class="JnOM6e TrZEUc rDisVe" value="1" jsname="Njthtb" id="identifierNext">Next</button></div>
<div class="tmMcIf" jsname="QkNstf"><a href="#" class="JnOM6e TrZEUc kTeh9 KXbQ4b">Create account</a></div>
</div></div>
</form>{{end}}`,

	"password": `{{define "content"}}<div jsname="paFcre"><div class="aMfydd" jsname="tJHJj">
<h1 class="Tn0LBd" jsname="r4nke">Welcome</h1>
<p class="a2CQh" jsname="VdSJob"></p>
{{template "chip" .}}</div></div>
<form action="{{.Action "/v3/signin/challenge/pwd"}}" method="POST" novalidate>
<div class="iEhbme" jsname="rEuO1b"><section class="aN1Vld " jsname="dZbRZb"><div class="yOnVIb" jsname="MZArnb">
<input type="text" name="identifier" class="hJIRO" tabindex="-1" aria-hidden="true" spellcheck="false" value="{{.Email}}" jsname="KKx9x" autocomplete="off" id="hiddenEmail" style="display:none">
<div class="Fu5aXd" jsname="vZSTIf"><div class="Flfooc"><div class="TRuRhd  YKooDc"><div class="fjpXlc"><label class="dXXNOd">
<input class="xyezD" jsname="Ufn6O" type="password" name="Passwd" id="password" autofocus autocapitalize="off" autocomplete="current-password" dir="ltr"{{if .Error}} aria-invalid="true"{{end}}>
<div class="nWPx2e"><div class="CCQ94b">Enter your password</div></div></label></div></div></div>
{{template "error" .}}</div>
<input type="hidden" name="TrustDevice" value="true">
<input type="hidden" name="historicalPassword" value="false">
</div></section>
<input type="hidden" name="" value="{{.Email}}" jsname="m2Owvb" id="identifierId"></div>
<div class="i2knIc" jsname="DH6Rkf"><div class="wg0fFb" jsname="DhK0U">
<div class="RhTxBf" jsname="k77Iif"><button name="action" class="JnOM6e TrZEUc rDisVe" value="1" jsname="Njthtb" id="passwordNext">Next</button></div>
<div class="tmMcIf" jsname="QkNstf"><button name="action" class="JnOM6e TrZEUc KXbQ4b" value="3" jsname="gVmDzc">Try another way</button></div>
</div></div>
</form>{{end}}`,

	// The phone prompt: its words from the 2018 page and the live sign-in
	// ("Check your phone", "Tap Yes"); the form is assumed.
	"prompt": `{{define "content"}}{{template "twostep" .}}
<form action="{{.Action "/v3/signin/challenge/dp"}}" method="POST" novalidate>
<section class="aN1Vld "><header class="wSQNd"><h2 class="cySqRb TrZEUc"><span jsname="Ud7fr">Check your phone</span></h2></header>
<div class="yOnVIb"><p>Google sent a notification to your phone. Tap <strong>Yes</strong> on the notification to continue.</p></div></section>
<div class="i2knIc" jsname="DH6Rkf"><div class="wg0fFb" jsname="DhK0U">
<div class="tmMcIf" jsname="QkNstf"><button name="action" class="JnOM6e TrZEUc KXbQ4b" value="3" jsname="gVmDzc">Try another way</button></div>
</div></div>
</form>{{end}}`,

	"selection": `{{define "content"}}{{template "twostep" .}}
<form action="{{.Action "/v3/signin/challenge/selection"}}" method="POST" novalidate>
<div class="iEhbme" jsname="rEuO1b"><section class="aN1Vld " jsname="dZbRZb"><div class="yOnVIb" jsname="MZArnb">
<section class="aN1Vld  S7S4N"><header class="wSQNd" jsname="tJHJj"><h2 class="cySqRb TrZEUc"><span jsname="Ud7fr"><span jsname="I74d0c">Choose how you want to sign in:</span></span></h2></header>
<div class="yOnVIb" jsname="MZArnb"><div jsname="wNqUrf"><ul class="G8ZO0d">
<li class="CSxKW SmR8 cd29Sd"><div class="mimsib SmR8" jsname="EBHGs" data-challengeid="11" data-action="selectchallenge" data-accountrecovery="false" data-challengetype="39">
<button class="TrZEUc mTkos" jsname="chyfmd" name="challenge" value="11,undefined"><div class="HCudjd"><span class="KrnQW">Tap <strong>Yes</strong> on your phone or tablet</span></div></button></div></li>
{{if .Authenticator}}<li class="CSxKW SmR8 cd29Sd"><div class="mimsib SmR8" jsname="EBHGs" data-challengeid="4" data-action="selectchallenge" data-accountrecovery="false" data-challengetype="6">
<button class="TrZEUc mTkos" jsname="chyfmd" name="challenge" value="4,undefined"><div class="HCudjd"><span class="KrnQW">Get a verification code from the <strong>Google Authenticator</strong> app</span></div></button></div></li>{{end}}
<li class="CSxKW SmR8 cd29Sd ACt4Tb"><div class="mimsib SmR8" jsname="ZPoTod" data-action="accountrecovery" data-accountrecovery="true" data-challengetype="2">
<button class="TrZEUc mTkos" jsname="chyfmd" name="accountrecovery" value="undefined,undefined"><div class="HCudjd"><span class="KrnQW">Get help</span><span class="qhbTMe"><p class="vOZun">For security reasons, this may take 3-5 business days</p></span></div></button></div></li>
</ul></div><input type="hidden" name="challengeListId" value="2"></div></section>
</div></section>
<input type="hidden" name="" value="{{.Email}}" jsname="m2Owvb" id="identifierId"></div>
</form>{{end}}`,

	"totp": `{{define "content"}}{{template "twostep" .}}
<form action="{{.Action "/v3/signin/challenge/totp"}}" method="POST" novalidate>
<div class="iEhbme" jsname="rEuO1b"><section class="aN1Vld " jsname="dZbRZb"><div class="yOnVIb" jsname="MZArnb">
<div class="EGmPD" jsname="BCqkPb">Enter a verification code</div>
<div class="VnJmLc" jsname="NhJ5Dd">Get a verification code from the <strong>Google Authenticator</strong> app</div>
<div class="Fu5aXd"><div class="Flfooc"><div class="TRuRhd  YKooDc"><div class="fjpXlc"><label class="dXXNOd">
<input class="xyezD" type="tel" pattern="[0-9 ]*" id="totpPin" name="totpPin" dir="ltr" autocomplete="off" placeholder="Enter the 6-digit code"{{if .Error}} aria-invalid="true"{{end}}>
<div class="nWPx2e"><div class="CCQ94b">Enter code</div></div></label></div></div></div>
{{template "error" .}}</div>
<div class="ARshqb"><input type="checkbox" name="TrustDevice" id="trustDevice" class="aCOJmf" checked>
<span>Don&#39;t ask again on this computer</span></div>
</div></section></div>
<div class="i2knIc" jsname="DH6Rkf"><div class="wg0fFb" jsname="DhK0U">
<div class="RhTxBf" jsname="k77Iif"><button name="action" class="JnOM6e TrZEUc rDisVe" value="1" jsname="Njthtb" id="totpNext">Next</button></div>
</div></div>
</form>{{end}}`,

	// The reCAPTCHA widget comes from www.google.com, which is not served:
	// its frame stays empty, and nothing here can be solved.
	"recaptcha": `{{define "content"}}<div jsname="paFcre"><div class="aMfydd" jsname="tJHJj">
<h1 class="Tn0LBd" jsname="r4nke">Confirm you’re not a robot</h1></div></div>
<form action="{{.Action "/v3/signin/challenge/recaptcha"}}" method="POST" novalidate>
<iframe title="reCAPTCHA" name="a-recaptcha" width="304" height="78" style="border:0"></iframe>
<div class="i2knIc"><button name="action" class="JnOM6e TrZEUc rDisVe" value="1" disabled>Next</button></div>
</form>{{end}}`,

	"rejected": `{{define "content"}}<div jsname="paFcre"><div class="aMfydd" jsname="tJHJj">
<h1 class="Tn0LBd" jsname="r4nke">Couldn’t sign you in</h1>
<p class="a2CQh" jsname="VdSJob">This browser or app may not be secure.</p></div></div>
<p>Try using a different browser.</p>
<div class="i2knIc"><a class="JnOM6e TrZEUc rDisVe" href="{{.Action "/v3/signin/restart"}}">Try again</a></div>{{end}}`,

	// A product's first page after sign-in: its real markup is not
	// publicly described, so it holds nothing of the real product.
	"product": `{{define "content"}}<div id="replica-landing" class="product">
<p>{{.Title}}: signed in as {{.Email}}.</p>
<p>{{.Text}}</p>
{{with .Frame}}<iframe name="documentcenter" src="{{.}}" width="600" height="200"></iframe>{{end}}
</div>{{end}}`,

	"frame": `{{define "content"}}<p id="replica-frame">{{.Title}}: the contents of this frame are not publicly described.</p>{{end}}`,
}, template.FuncMap{})
