package portals

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// condJS compiles a condition to one JavaScript boolean expression, so a
// page state is tested atomically in a single round trip.
func condJS(c *Cond) string {
	var parts []string
	if c.Selector != "" {
		parts = append(parts, "!!__q(document, "+jsString(c.Selector)+")")
	}
	if c.Visible != "" {
		parts = append(parts, "__vis(__q(document, "+jsString(c.Visible)+"))")
	}
	if c.URL != "" {
		parts = append(parts, "new RegExp("+jsString(c.URL)+").test(location.href)")
	}
	if c.Text != "" {
		parts = append(parts, "(document.body ? document.body.innerText : '').toLowerCase().includes("+jsString(strings.ToLower(c.Text))+")")
	}
	if c.JS != "" {
		parts = append(parts, "!!("+c.JS+")")
	}
	if c.Status != "" {
		// Navigation Timing carries the document's status (Chromium 109+).
		parts = append(parts, "new RegExp("+jsString(c.Status)+").test(String((performance.getEntriesByType('navigation')[0] || {}).responseStatus || ''))")
	}
	if c.Not != nil {
		parts = append(parts, "!("+condJS(c.Not)+")")
	}
	if len(c.Any) > 0 {
		var any []string
		for i := range c.Any {
			any = append(any, "("+condJS(&c.Any[i])+")")
		}
		parts = append(parts, "("+strings.Join(any, " || ")+")")
	}
	for i := range c.All {
		parts = append(parts, "("+condJS(&c.All[i])+")")
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, " && ")
}

// expandCond fills the placeholders of a condition's strings, so a wait
// can name the current row ({{row.id}}).
func expandCond(c *Cond, lookup func(string) (string, error)) (*Cond, error) {
	out := *c
	for _, f := range []*string{&out.Selector, &out.Visible, &out.URL, &out.Text, &out.Status} {
		v, err := expand(*f, lookup)
		if err != nil {
			return nil, err
		}
		*f = v
	}
	if c.Not != nil {
		n, err := expandCond(c.Not, lookup)
		if err != nil {
			return nil, err
		}
		out.Not = n
	}
	for _, list := range []*[]Cond{&out.Any, &out.All} {
		if *list == nil {
			continue
		}
		cp := make([]Cond, len(*list))
		for i := range *list {
			x, err := expandCond(&(*list)[i], lookup)
			if err != nil {
				return nil, err
			}
			cp[i] = *x
		}
		*list = cp
	}
	return &out, nil
}

// condExpr is a condition as one expression that never throws.
func condExpr(c *Cond) string {
	return "(() => {\n" + domHelpers + "try { return " + condJS(c) + "; } catch (e) { return false; } })()"
}

// condScoped reports whether a condition names an element through a
// shadow root, which only the scope's JavaScript path can find.
func condScoped(c *Cond) bool {
	if strings.Contains(c.Selector, shadowSep) || strings.Contains(c.Visible, shadowSep) {
		return true
	}
	if c.Not != nil && condScoped(c.Not) {
		return true
	}
	for i := range c.Any {
		if condScoped(&c.Any[i]) {
			return true
		}
	}
	for i := range c.All {
		if condScoped(&c.All[i]) {
			return true
		}
	}
	return false
}

// evalCond tests a condition once, now. A page that is between two
// documents has no context to evaluate in; that counts as not holding.
func evalCond(ctx context.Context, c *Cond) (bool, error) {
	expr := condExpr(c)
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil && isNavigationError(err) {
		return false, nil
	}
	return ok, err
}

// waitCond waits until the condition holds, testing it every pollInterval
// from here. Nothing runs in the page between two tests (no timer or
// animation-frame loop a page could notice), and a navigation between two
// tests is simply tested again in the new document.
func waitCond(ctx context.Context, c *Cond) error {
	return until(ctx, func() (bool, error) { return evalCond(ctx, c) })
}

// pollInterval is how often a wait tests the page.
const pollInterval = 50 * time.Millisecond

// until calls test every pollInterval until it reports done or fails, or
// ctx ends. chromedp's Poll would loop inside the page instead, but it
// needs the Runtime domain's execution-context events, which job tabs do
// not enable (see quietRuntime).
func until(ctx context.Context, test func() (bool, error)) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		done, err := test()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func isNavigationError(err error) bool {
	s := err.Error()
	for _, m := range []string{
		"Execution context was destroyed", "Cannot find context", "Inspected target navigated",
		"Cannot find default execution context", "uniqueContextId not found", "Promise was collected",
	} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
