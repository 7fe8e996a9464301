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

func TestWallClock(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		zone       string
		day        string
		wall, want string
	}{
		// 2026 transitions: Europe/Berlin 29 March 02:00→03:00 and 25
		// October 03:00→02:00; America/New_York 8 March 02:00→03:00 and 1
		// November 02:00→01:00.
		{"Europe/Berlin", "2026-03-29", "01:59:59", "2026-03-29T00:59:59Z"},
		{"Europe/Berlin", "2026-03-29", "02:30:00", "2026-03-29T01:00:00Z"}, // skipped: when the gap ends
		{"Europe/Berlin", "2026-03-29", "03:00:00", "2026-03-29T01:00:00Z"},
		{"Europe/Berlin", "2026-03-29", "12:00:00", "2026-03-29T10:00:00Z"},
		{"Europe/Berlin", "2026-10-25", "01:30:00", "2026-10-24T23:30:00Z"},
		{"Europe/Berlin", "2026-10-25", "02:30:00", "2026-10-25T00:30:00Z"}, // shown twice: the first
		{"Europe/Berlin", "2026-10-25", "03:00:00", "2026-10-25T02:00:00Z"},
		{"Europe/Berlin", "2026-10-25", "12:00:00", "2026-10-25T11:00:00Z"},
		{"America/New_York", "2026-03-08", "01:30:00", "2026-03-08T06:30:00Z"},
		{"America/New_York", "2026-03-08", "02:15:00", "2026-03-08T07:00:00Z"},
		{"America/New_York", "2026-03-08", "03:30:00", "2026-03-08T07:30:00Z"},
		{"America/New_York", "2026-11-01", "00:30:00", "2026-11-01T04:30:00Z"},
		{"America/New_York", "2026-11-01", "01:30:00", "2026-11-01T05:30:00Z"},
		{"America/New_York", "2026-11-01", "02:30:00", "2026-11-01T07:30:00Z"},
		{"America/New_York", "2026-11-01", "23:00:00", "2026-11-02T04:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.day+" "+tt.wall, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := time.Parse("2006-01-02", tt.day)
			w, _ := time.Parse("15:04:05", tt.wall)
			secs := w.Hour()*3600 + w.Minute()*60 + w.Second()
			if got := wallClock(d.Year(), d.Month(), d.Day(), secs, loc); !got.Equal(utc(tt.want)) {
				t.Errorf("got %s (%s), want %s", got.UTC().Format(time.RFC3339), got.In(loc).Format("15:04:05 MST"), tt.want)
			}
		})
	}
}

// On the days clocks change, every account keeps its wall-clock time (or,
// if the clocks skip it, runs when the gap ends), runs exactly once, and
// never inside quiet hours, for windows that span 02:00.
func TestNextSlotAcrossDST(t *testing.T) {
	transitions := []struct {
		zone string
		day  string
	}{
		{"Europe/Berlin", "2026-03-29"},
		{"Europe/Berlin", "2026-10-25"},
		{"America/New_York", "2026-03-08"},
		{"America/New_York", "2026-11-01"},
	}
	windows := []struct {
		name       string
		start, end int // quiet hours
	}{
		{"quiet 23-01", 23, 1},
		{"quiet 04-01", 4, 1},
		{"quiet 05-00", 5, 0},
		{"no quiet hours", 0, 0},
	}
	for _, tr := range transitions {
		for _, w := range windows {
			t.Run(tr.zone+" "+tr.day+" "+w.name, func(t *testing.T) {
				loc, _ := time.LoadLocation(tr.zone)
				tenant := &twofetch.Tenant{TimeZone: tr.zone, QuietStart: w.start, QuietEnd: w.end}
				d, _ := time.Parse("2006-01-02", tr.day)
				dayBefore := time.Date(d.Year(), d.Month(), d.Day()-1, 0, 0, 0, 0, loc)
				quiet := func(l time.Time) bool {
					if w.start == w.end {
						return false
					}
					h := l.Hour()
					if w.start < w.end {
						return h >= w.start && h < w.end
					}
					return h >= w.start || h < w.end
				}
				for i := 0; i < 2000; i++ {
					id := fmt.Sprintf("acc_%d", i)
					s1 := NextSlot(id, tenant, dayBefore) // on the day before
					s2 := NextSlot(id, tenant, s1)        // on the day of the change
					s3 := NextSlot(id, tenant, s2)        // on the day after
					l1, l2, l3 := s1.In(loc), s2.In(loc), s3.In(loc)
					for _, l := range []time.Time{l1, l2, l3} {
						if quiet(l) {
							t.Fatalf("%s: slot %s is inside quiet hours", id, l.Format("2006-01-02 15:04:05 MST"))
						}
					}
					if l2.YearDay() != l1.YearDay()+1 || l3.YearDay() != l2.YearDay()+1 {
						t.Fatalf("%s: slots %s, %s, %s are not on three days in a row", id, l1, l2, l3)
					}
					wall := l1.Format("15:04:05")
					if l3.Format("15:04:05") != wall {
						t.Fatalf("%s: runs at %s, then at %s", id, wall, l3.Format("15:04:05"))
					}
					want := wallClock(l2.Year(), l2.Month(), l2.Day(), l1.Hour()*3600+l1.Minute()*60+l1.Second(), loc)
					if !s2.Equal(want) {
						t.Fatalf("%s: runs at %s on the day before, at %s on the day of the change", id, wall, l2.Format("15:04:05 MST"))
					}
					if l2.Format("15:04:05") != wall && !(l2.Minute() == 0 && l2.Second() == 0) {
						t.Fatalf("%s: wall time %s moved to %s", id, wall, l2.Format("15:04:05 MST"))
					}
				}
			})
		}
	}
}
