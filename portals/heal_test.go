package portals

import (
	"testing"

	"github.com/twofetch/twofetch/portals/detect"
)

// Which steps may be healed: login fields of a script that allows it, and
// the click right after one; never a documents step, a wait, a step in a
// frame or a loop, a code typed one digit per box, or another value.
func TestHealRole(t *testing.T) {
	typ := func(v string) *Step { return &Step{Type: &TypeStep{Selector: "#x", Value: v}} }
	click := &Step{Click: &ClickStep{Selector: "#go"}}
	wait := &Step{Wait: &WaitStep{Cond: Cond{Selector: "#x"}}}
	type call struct {
		path string
		st   *Step
		want detect.Role
	}
	tests := []struct {
		name  string
		heal  bool
		setup func(rn *run)
		calls []call
	}{
		{"login fields and their submit", true, nil, []call{
			{"login/0", typ("{{username}}"), detect.Username},
			{"login/1", typ(" {{password}} "), detect.Password},
			{"login/2", click, detect.Submit},
			{"login/3/then/0", typ("{{otp}}"), detect.OTP},
			{"login/3/then/1", click, detect.Submit},
		}},
		{"off unless the script says heal", false, nil, []call{
			{"login/0", typ("{{username}}"), ""},
			{"login/1", click, ""},
		}},
		{"a click not right after a login field", true, nil, []call{
			{"login/0", click, ""},
			{"login/1", typ("{{username}}"), detect.Username},
			{"login/2", wait, ""},
			{"login/3", click, ""},
		}},
		{"other values and steps", true, nil, []call{
			{"login/0", typ("{{customer_number}}"), ""},
			{"login/1", click, ""},
			{"login/2", typ("{{username}}@example.com"), ""},
			{"login/3", &Step{Type: &TypeStep{Selector: ".d", Value: "{{otp}}", Boxes: true}}, ""},
			{"login/4", wait, ""},
			{"login/5", &Step{Click: &ClickStep{Selector: "li", Text: "Authenticator"}}, ""},
		}},
		{"documents", true, nil, []call{
			{"documents/0", typ("{{username}}"), ""},
			{"documents/1", click, ""},
		}},
		{"inside a frame", true, func(rn *run) { rn.frames = []string{"iframe"} }, []call{
			{"login/0/do/0", typ("{{username}}"), ""},
		}},
		{"inside a loop", true, func(rn *run) { rn.vars.row = map[string]any{} }, []call{
			{"login/0/do/0", typ("{{password}}"), ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rn := &run{s: &Script{Heal: tt.heal}, vars: &vars{v: map[string]any{}}}
			if tt.setup != nil {
				tt.setup(rn)
			}
			for _, c := range tt.calls {
				if got := rn.healRole(c.path, c.st); got != c.want {
					t.Errorf("%s (%s): role %q, want %q", c.path, c.st.Kind(), got, c.want)
				}
			}
		})
	}
}

func TestFitsRole(t *testing.T) {
	f := func(tag, typ string, conf float64) *detect.Field {
		return &detect.Field{Selector: "#f", Tag: tag, Type: typ, Confidence: conf}
	}
	tests := []struct {
		role detect.Role
		f    *detect.Field
		want bool
	}{
		{detect.Password, f("input", "password", 0.9), true},
		{detect.Password, f("input", "text", 0.9), false},
		{detect.Username, f("input", "email", 0.9), true},
		{detect.Username, f("input", "password", 0.9), false},
		{detect.Username, f("input", "email", 0.4), false},
		{detect.Submit, f("button", "submit", 0.8), true},
		{detect.Submit, f("a", "", 0.8), false},
		{detect.OTP, f("input", "text", 0.8), true},
		{detect.OTP, &detect.Field{Selector: "#d", Tag: "input", Type: "text", Confidence: 0.9, Boxes: 6}, false},
		{detect.Username, nil, false},
	}
	for _, tt := range tests {
		if got := fitsRole(tt.role, tt.f); got != tt.want {
			t.Errorf("fitsRole(%s, %+v) = %v", tt.role, tt.f, got)
		}
	}
}
