package portals

import (
	"cmp"
	"context"
	"fmt"
	"strconv"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch"
)

// popup clicks what opens a new tab or window, follows it for the steps
// of Do and closes it again.
func (rn *run) popup(ctx context.Context, path string, p *PopupStep) (string, error) {
	sel := rn.sel(p.Click)
	opened := chromedp.WaitNewTarget(rn.tab(), func(info *target.Info) bool { return info.Type == "page" })
	var err error
	if rn.scoped(sel) {
		err = rn.clickScoped(ctx, sel, "", -1)
	} else {
		err = rn.ptr.click(ctx, sel)
	}
	if err != nil {
		return sel, err
	}
	var id target.ID
	select {
	case <-ctx.Done():
		return sel, fmt.Errorf("no new tab opened: %w", ctx.Err())
	case x, ok := <-opened:
		if !ok {
			return sel, fmt.Errorf("no new tab opened")
		}
		id = x
	}
	tab, closeTab := chromedp.NewContext(rn.tab(), chromedp.WithTargetID(id))
	defer closeTab()
	if err := chromedp.Do(tab); err != nil {
		return sel, fmt.Errorf("attach to the new tab: %w", err)
	}
	// Attaching turned the Runtime domain on in a page that is already
	// running; it goes off again at once.
	if err := withDeadlineOf(ctx, tab, 0, quietRuntime); err != nil {
		return sel, fmt.Errorf("attach to the new tab: %w", err)
	}
	frames := rn.frames
	rn.frames = nil
	rn.tabs = append(rn.tabs, tab)
	defer func() {
		rn.tabs = rn.tabs[:len(rn.tabs)-1]
		rn.frames = frames
	}()
	return sel + " → new tab", rn.runSteps(path+"/do", p.Do)
}

// defaultMaxPages bounds a pagination whose script sets no max.
const defaultMaxPages = 50

// changeMarkJS watches the document for changes after a click: a new
// document has no mark, a changed one has its flag set.
const changeMarkJS = `(() => {
	window.__twofetchChanged = false;
	if (!window.__twofetchObserver) {
		window.__twofetchObserver = new MutationObserver(() => { window.__twofetchChanged = true; });
		window.__twofetchObserver.observe(document, {childList: true, subtree: true, characterData: true, attributes: true});
	}
	return true;
})()`

const changedJS = `(window.__twofetchChanged === undefined || window.__twofetchChanged === true)`

// paginate runs Do on each page of a list, up to Max pages.
func (rn *run) paginate(_ context.Context, path string, p *PaginateStep) (string, error) {
	max := cmp.Or(p.Max, defaultMaxPages)
	// Going from one page to the next has the step time limit each time;
	// the steps of a page have their own.
	var ctx context.Context
	var cancel context.CancelFunc = func() {}
	defer func() { cancel() }()
	next := func() {
		cancel()
		ctx, cancel = mergeContexts(rn.jobCtx, rn.tab(), rn.r.StepTimeout)
	}
	next()
	// Each page runs with a time limit of its own: the step's ctx only
	// bounds moving from one page to the next.
	run := func(i int) error {
		err := rn.runSteps(fmt.Sprintf("%s/do[%d]", path, i), p.Do)
		next()
		return err
	}
	switch {
	case p.URL != "":
		start := cmp.Or(p.Start, 1)
		defer delete(rn.vars.v, "page")
		for i := 0; i < max; i++ {
			rn.vars.v["page"] = strconv.Itoa(start + i)
			if _, err := rn.navigate(ctx, p.URL); err != nil {
				return fmt.Sprintf("page %d", start+i), err
			}
			if p.Stop != nil {
				c, err := expandCond(p.Stop, rn.lookup)
				if err != nil {
					return "", err
				}
				// A page renders its list after load; the stop holds on a
				// page that is complete, so wait for the network first.
				if err := rn.idle.wait(ctx); err != nil {
					return "", err
				}
				if stop, err := rn.evalCond(ctx, c); err != nil || stop {
					return fmt.Sprintf("%d pages", i), err
				}
			}
			if err := run(i); err != nil {
				return fmt.Sprintf("page %d", start+i), err
			}
		}
		return fmt.Sprintf("%d pages (max)", max), nil
	case p.Next != "":
		sel := rn.sel(p.Next)
		for i := 0; ; i++ {
			if err := run(i); err != nil {
				return fmt.Sprintf("page %d", i+1), err
			}
			if i+1 >= max {
				return fmt.Sprintf("%d pages (max)", i+1), nil
			}
			more, err := rn.clickForMore(ctx, sel)
			if err != nil || !more {
				return fmt.Sprintf("%d pages", i+1), err
			}
		}
	default:
		sel := rn.sel(p.More)
		loads := 0
		for ; loads+1 < max; loads++ {
			more, err := rn.clickForMore(ctx, sel)
			if err != nil {
				return "", err
			}
			if !more {
				break
			}
		}
		return fmt.Sprintf("%d loads", loads+1), run(0)
	}
}

// clickForMore clicks a next or "load more" control if it is there and
// enabled, and waits until the page changed and the network is idle. It
// reports false when there is no such control: the last page.
func (rn *run) clickForMore(ctx context.Context, sel string) (bool, error) {
	enabled := wrapJS(fmt.Sprintf(`((e) => __vis(e) && !e.disabled && e.getAttribute('aria-disabled') !== 'true' && !e.classList.contains('disabled'))(__q(document, %s))`, jsString(sel)))
	var ok bool
	if err := rn.eval(ctx, enabled, false, &ok); err != nil || !ok {
		return false, err
	}
	if err := rn.eval(ctx, changeMarkJS, false, nil); err != nil {
		return false, err
	}
	var err error
	if rn.scoped(sel) {
		err = rn.clickScoped(ctx, sel, "", -1)
	} else {
		err = rn.ptr.click(ctx, sel)
	}
	if err != nil {
		return false, err
	}
	if err := rn.pollScope(ctx, changedJS); err != nil {
		return false, twofetch.FailWith(twofetch.OutcomePortalChanged, err, fmt.Sprintf("clicking %q changed nothing", sel))
	}
	return true, rn.idle.wait(ctx)
}
