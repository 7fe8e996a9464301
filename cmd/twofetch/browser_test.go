package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/twofetch/twofetch/internal/testenv"
)

// TestBrowserCheck runs `browser check` on its own page: a fresh identity
// in German and Berlin time, and no problem found.
func TestBrowserCheck(t *testing.T) {
	env := []string{"TWOFETCH_CHROME_PATH=" + testenv.ChromePath(t), "TWOFETCH_DATA_DIR=" + t.TempDir()}
	code, out, errOut := runCmd(t, env, "browser", "check", "--language", "de", "--time-zone", "Europe/Berlin")
	var res struct {
		OK          bool     `json:"ok"`
		Problems    []string `json:"problems"`
		Fingerprint struct {
			Languages []string `json:"languages"`
			TimeZone  string   `json:"timeZone"`
			UserAgent string   `json:"userAgent"`
		} `json:"fingerprint"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("exit %d, output not JSON: %v\n%s\n%s", code, err, out, errOut)
	}
	if code != 0 || !res.OK {
		t.Fatalf("exit %d, problems %v\n%s", code, res.Problems, errOut)
	}
	if res.Fingerprint.TimeZone != "Europe/Berlin" || len(res.Fingerprint.Languages) == 0 || res.Fingerprint.Languages[0] != "de-DE" ||
		strings.Contains(res.Fingerprint.UserAgent, "Headless") {
		t.Errorf("fingerprint %+v", res.Fingerprint)
	}
	if code, _, _ := runCmd(t, env, "browser", "look"); code != 2 {
		t.Errorf("browser look: exit %d, want 2 (usage)", code)
	}
}
