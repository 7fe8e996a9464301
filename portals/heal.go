package portals

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twofetch/twofetch/portals/detect"
)

// Healing is a login field the script's selector no longer found and the
// detector found instead: the run went on with the detected selector, and
// support should put it (or a better one) into the script.
type Healing struct {
	// Path is the healed step (login/2).
	Path string `json:"path"`
	// Role is the field: username, password, otp or submit.
	Role detect.Role `json:"role"`
	// Selector is the script's selector, which found nothing.
	Selector string `json:"selector"`
	// Detected is the selector the step used instead.
	Detected   string  `json:"detected"`
	Confidence float64 `json:"confidence"`
}

func (h Healing) String() string {
	return fmt.Sprintf("%s (%s): %q found nothing, used %q (confidence %.2f)", h.Path, h.Role, h.Selector, h.Detected, h.Confidence)
}

// minHealConfidence is the least detector confidence the runner types a
// credential on. Below it, guessing wrong (a search box, a newsletter
// field) is likelier than the portal's own field: the run fails as
// portal_changed instead.
const minHealConfidence = 0.6

// healRole returns the login field st fills when the script allows healing
// and st may be healed: a type step of the login flow whose value is
// exactly {{username}}, {{password}} or {{otp}}, or a click right after
// such a step (the button that submits what was typed). Nothing else is
// ever healed: a wrong guess at a documents step or a consent button
// would act on the page blindly. Steps inside an iframe or a for_each are
// not healed either.
func (rn *run) healRole(path string, st *Step) detect.Role {
	prev := rn.lastField
	rn.lastField = ""
	if rn.s == nil || !rn.s.Heal || !strings.HasPrefix(path, "login/") || len(rn.frames) > 0 || rn.vars.row != nil {
		return ""
	}
	switch {
	case st.Type != nil && !st.Type.Boxes:
		role := map[string]detect.Role{
			"{{" + varUsername + "}}": detect.Username,
			"{{" + varPassword + "}}": detect.Password,
			"{{" + varOTP + "}}":      detect.OTP,
		}[strings.TrimSpace(st.Type.Value)]
		rn.lastField = role
		return role
	case st.Click != nil && st.Click.Text == "" && prev != "":
		return detect.Submit
	}
	return ""
}

// heal plays st again on the field the detector finds for role, after the
// step's own selector found nothing (err). It returns the step's detail and
// the healing, or nil when the detector found no field it trusts or the
// step failed on it too; the step then fails with its own error.
func (rn *run) heal(path string, st *Step, role detect.Role, err error) (string, *Healing) {
	if !errors.Is(err, context.DeadlineExceeded) || rn.jobCtx.Err() != nil {
		return "", nil
	}
	ctx, cancel, _ := rn.ctxFor(st)
	defer cancel()
	found, derr := detect.Detect(ctx)
	if derr != nil {
		rn.log.Debug("healing: detector failed", "path", path, "error", derr)
		return "", nil
	}
	if len(found.Frames) > 0 {
		// The fields are in an iframe, where the step does not act.
		return "", nil
	}
	f := map[detect.Role]*detect.Field{detect.Username: found.Username, detect.Password: found.Password,
		detect.OTP: found.OTP, detect.Submit: found.Submit}[role]
	if !fitsRole(role, f) {
		return "", nil
	}
	h := &Healing{Path: path, Role: role, Confidence: f.Confidence, Detected: f.Selector}
	again := *st
	if st.Type != nil {
		t := *st.Type
		h.Selector, t.Selector = rn.sel(t.Selector), f.Selector
		again.Type = &t
	} else {
		c := *st.Click
		h.Selector, c.Selector = rn.sel(c.Selector), f.Selector
		again.Click = &c
	}
	if h.Detected == h.Selector {
		return "", nil
	}
	detail, err := rn.dispatch(ctx, path, &again)
	if err != nil {
		rn.log.Debug("healing: the detected field failed too", "path", path, "detected", h.Detected, "error", rn.redact(err.Error()))
		return "", nil
	}
	rn.log.Info("healed a login step", "path", path, "role", role, "selector", h.Selector, "detected", h.Detected, "confidence", h.Confidence)
	rn.res.Healed = append(rn.res.Healed, *h)
	return detail, h
}

// fitsRole keeps the detector's answer only when it is confident and of
// the right kind: a password goes only into a password input, a username
// never into one, a click only onto a button.
func fitsRole(role detect.Role, f *detect.Field) bool {
	if f == nil || f.Selector == "" || f.Confidence < minHealConfidence {
		return false
	}
	typ := strings.ToLower(f.Type)
	switch role {
	case detect.Password:
		return f.Tag == "input" && typ == "password"
	case detect.Username:
		return f.Tag == "input" && typ != "password" && typ != "hidden"
	case detect.OTP:
		return f.Tag == "input" && f.Boxes <= 1
	case detect.Submit:
		return f.Tag == "button" || (f.Tag == "input" && (typ == "submit" || typ == "image" || typ == "button"))
	}
	return false
}
