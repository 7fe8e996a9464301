package workers

import (
	"fmt"
	"testing"
	"time"

	"github.com/twofetch/twofetch"
)

func TestNextSlot(t *testing.T) {
	base := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) // a Tuesday
	tests := []struct {
		name   string
		tenant *twofetch.Tenant
		// check is given the slot's local time.
		check func(local time.Time) error
		loc   string
	}{
		{"no tenant", nil, nil, "UTC"},
		{"quiet 22-6 Berlin", &twofetch.Tenant{QuietStart: 22, QuietEnd: 6, TimeZone: "Europe/Berlin"},
			func(l time.Time) error {
				if l.Hour() >= 22 || l.Hour() < 6 {
					return fmt.Errorf("slot at %s is inside quiet hours", l.Format("15:04"))
				}
				return nil
			}, "Europe/Berlin"},
		{"quiet 9-17 New York", &twofetch.Tenant{QuietStart: 9, QuietEnd: 17, TimeZone: "America/New_York"},
			func(l time.Time) error {
				if l.Hour() >= 9 && l.Hour() < 17 {
					return fmt.Errorf("slot at %s is inside quiet hours", l.Format("15:04"))
				}
				return nil
			}, "America/New_York"},
		{"weekends quiet", &twofetch.Tenant{QuietDays: []time.Weekday{time.Saturday, time.Sunday}},
			func(l time.Time) error {
				if l.Weekday() == time.Saturday || l.Weekday() == time.Sunday {
					return fmt.Errorf("slot on a %s", l.Weekday())
				}
				return nil
			}, "UTC"},
		{"every day quiet means none", &twofetch.Tenant{QuietDays: []time.Weekday{0, 1, 2, 3, 4, 5, 6}}, nil, "UTC"},
		{"unknown zone falls back to UTC", &twofetch.Tenant{TimeZone: "Mars/Olympus"}, nil, "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, _ := time.LoadLocation(tt.loc)
			for i := 0; i < 300; i++ {
				id := fmt.Sprintf("acc_%d", i)
				after := base.Add(time.Duration(i) * 7 * time.Hour / 3)
				s1 := NextSlot(id, tt.tenant, after)
				if !s1.After(after) {
					t.Fatalf("%s: slot %s not after %s", id, s1, after)
				}
				if s1.Sub(after) > 8*24*time.Hour {
					t.Fatalf("%s: slot %s more than a week after %s", id, s1, after)
				}
				if tt.check != nil {
					if err := tt.check(s1.In(loc)); err != nil {
						t.Fatalf("%s: %v", id, err)
					}
				}
				// Stable: the next slot after this one is the same time of
				// day on a following day.
				s2 := NextSlot(id, tt.tenant, s1)
				l1, l2 := s1.In(loc), s2.In(loc)
				if l1.Hour() != l2.Hour() || l1.Minute() != l2.Minute() || l1.Second() != l2.Second() {
					t.Fatalf("%s: slot moved from %s to %s", id, l1.Format("15:04:05"), l2.Format("15:04:05"))
				}
				if d := s2.Sub(s1); d < 23*time.Hour {
					t.Fatalf("%s: two slots %s apart", id, d)
				}
			}
		})
	}
}

// Slots spread over the day: no hour of 24 holds more than twice its
// share of 24,000 accounts.
func TestNextSlotSpread(t *testing.T) {
	var perHour [24]int
	after := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	const n = 24000
	for i := 0; i < n; i++ {
		perHour[NextSlot(twofetch.NewID("acc"), nil, after).Hour()]++
	}
	for h, c := range perHour {
		if c > 2*n/24 || c < n/24/2 {
			t.Errorf("hour %02d has %d of %d accounts", h, c, n)
		}
	}
}
