package portals

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch"
)

// rowAttr tags the rows of a for_each so that a selector starting with
// :scope can address the current row.
const rowAttr = "data-twofetch-row"

// errSkipped marks an optional step whose element is absent.
var errSkipped = errors.New("skipped")

func (rn *run) runSteps(path string, steps []Step) error {
	for i := range steps {
		if err := rn.step(fmt.Sprintf("%s/%d", path, i), &steps[i]); err != nil {
			return err
		}
	}
	return nil
}

func (rn *run) step(path string, st *Step) error {
	if err := rn.jobCtx.Err(); err != nil {
		return err
	}
	ctx, cancel, limit := rn.ctxFor(st)
	defer cancel()
	entry := StepLog{Path: path, Kind: st.Kind(), Name: st.Label(), Start: time.Now()}
	// Nested steps log themselves; their parent is logged before them.
	nested := st.If != nil || st.ForEach != nil
	if nested {
		rn.record(entry)
	}
	role := rn.healRole(path, st)
	detail, err := rn.dispatch(ctx, path, st)
	if err != nil && role != "" {
		if d, h := rn.heal(path, st, role, err); h != nil {
			detail, err, entry.Healed = d, nil, h.String()
		}
	}
	entry.Detail = rn.redact(detail)
	entry.Duration = time.Since(entry.Start)
	if errors.Is(err, errSkipped) {
		entry.Skipped, err = true, nil
	}
	if err != nil {
		err = rn.stepError(path, st, limit, err)
		entry.Err = rn.redact(err.Error())
	}
	if nested {
		rn.update(path, entry)
	} else {
		rn.record(entry)
	}
	return err
}

func (rn *run) record(e StepLog) {
	rn.mu.Lock()
	rn.steps = append(rn.steps, e)
	rn.mu.Unlock()
	rn.log.Debug("step", "path", e.Path, "kind", e.Kind, "ms", e.Duration.Milliseconds(), "error", e.Err)
	if rn.job.Progress != nil && (e.Err != "" || e.Duration > 0 || e.Skipped) {
		rn.job.Progress(e)
	}
}

func (rn *run) update(path string, e StepLog) {
	rn.mu.Lock()
	for i := len(rn.steps) - 1; i >= 0; i-- {
		if rn.steps[i].Path == path {
			rn.steps[i] = e
			break
		}
	}
	rn.mu.Unlock()
	if rn.job.Progress != nil {
		rn.job.Progress(e)
	}
}

// stepError gives a failed step its outcome: a time-out while waiting for
// the page is portal_changed (or portal_down for a page that never loads);
// errors that already carry an outcome keep it.
func (rn *run) stepError(path string, st *Step, limit time.Duration, err error) error {
	var re *twofetch.RunError
	if errors.As(err, &re) || rn.jobCtx.Err() != nil || browserLost(err) {
		return err
	}
	what := rn.describe(st)
	if errors.Is(err, context.DeadlineExceeded) {
		if st.Navigate != nil {
			return twofetch.FailWith(twofetch.OutcomePortalDown, err, fmt.Sprintf("step %s: %s did not load within %v", path, what, limit))
		}
		return twofetch.FailWith(twofetch.OutcomePortalChanged, err, fmt.Sprintf("step %s (%s): %s did not appear within %v", path, st.Kind(), what, limit))
	}
	if errors.Is(err, chromedp.ErrPageLoad) {
		return twofetch.FailWith(twofetch.OutcomePortalDown, err, fmt.Sprintf("step %s: %s did not load", path, what))
	}
	return twofetch.FailWith(twofetch.OutcomePortalChanged, errors.New(rn.redact(err.Error())), fmt.Sprintf("step %s (%s) failed", path, st.Kind()))
}

// describe names what a step acts on, without any value it types.
func (rn *run) describe(st *Step) string {
	switch {
	case st.Navigate != nil:
		return st.Navigate.URL
	case st.Wait != nil && st.Wait.NetworkIdle:
		return "network idle"
	case st.Wait != nil:
		return condDesc(&st.Wait.Cond)
	case st.Type != nil:
		return fmt.Sprintf("field %q", st.Type.Selector)
	case st.Click != nil:
		return fmt.Sprintf("element %q", st.Click.Selector)
	case st.Select != nil:
		return fmt.Sprintf("select %q", st.Select.Selector)
	case st.ForEach != nil && st.ForEach.Rows != "":
		return fmt.Sprintf("rows %q", st.ForEach.Rows)
	case st.Download != nil:
		return "document " + st.Download.ID
	case st.Print != nil:
		return "receipt " + st.Print.ID
	case st.Go != nil:
		return "go step " + st.Go.Name
	}
	return st.Kind()
}

func condDesc(c *Cond) string {
	var p []string
	if c.Selector != "" {
		p = append(p, fmt.Sprintf("selector %q", c.Selector))
	}
	if c.Visible != "" {
		p = append(p, fmt.Sprintf("visible %q", c.Visible))
	}
	if c.URL != "" {
		p = append(p, fmt.Sprintf("URL matching %q", c.URL))
	}
	if c.Text != "" {
		p = append(p, fmt.Sprintf("text %q", c.Text))
	}
	if c.JS != "" {
		p = append(p, "a JavaScript condition")
	}
	if c.Status != "" {
		p = append(p, fmt.Sprintf("HTTP status matching %q", c.Status))
	}
	if c.Not != nil {
		p = append(p, "not "+condDesc(c.Not))
	}
	if len(c.Any) > 0 {
		var a []string
		for i := range c.Any {
			a = append(a, condDesc(&c.Any[i]))
		}
		p = append(p, "any of ("+strings.Join(a, ", ")+")")
	}
	for i := range c.All {
		p = append(p, condDesc(&c.All[i]))
	}
	return strings.Join(p, " and ")
}

func (rn *run) dispatch(ctx context.Context, path string, st *Step) (string, error) {
	switch {
	case st.Navigate != nil:
		return rn.navigate(ctx, st.Navigate.URL)
	case st.Wait != nil:
		if st.Wait.NetworkIdle {
			return "network idle", rn.idle.wait(ctx)
		}
		c, err := expandCond(&st.Wait.Cond, rn.lookup)
		if err != nil {
			return "", err
		}
		return condDesc(c), rn.waitCond(ctx, c)
	case st.Type != nil:
		return rn.typeInto(ctx, st)
	case st.Click != nil:
		sel := rn.sel(st.Click.Selector)
		if err := rn.present(ctx, st, sel); err != nil {
			return sel, err
		}
		if err := rn.autoConsent(ctx); err != nil {
			return sel, err
		}
		text, err := expand(st.Click.Text, rn.lookup)
		if err != nil {
			return sel, err
		}
		if text != "" || rn.scoped(sel) {
			return strings.TrimSpace(sel + " " + text), rn.clickScoped(ctx, sel, text, -1)
		}
		return sel, rn.ptr.click(ctx, sel)
	case st.Select != nil:
		return rn.selectOption(ctx, st)
	case st.If != nil:
		c, err := expandCond(st.If, rn.lookup)
		if err != nil {
			return "", err
		}
		ok, err := rn.evalCond(ctx, c)
		if err != nil {
			return "", err
		}
		if ok {
			return condDesc(st.If) + " → then", rn.runSteps(path+"/then", st.Then)
		}
		return condDesc(st.If) + " → else", rn.runSteps(path+"/else", st.Else)
	case st.ForEach != nil:
		return rn.forEach(ctx, path, st.ForEach)
	case st.Extract != nil:
		vals, err := rn.readFields(ctx, "", st.Extract)
		if err != nil {
			return "", err
		}
		names := make([]string, 0, len(vals[0]))
		for k, v := range vals[0] {
			rn.vars.v[k] = v
			names = append(names, k)
		}
		slices.Sort(names)
		return strings.Join(names, ", "), nil
	case st.JS != nil:
		return rn.runJS(ctx, st.JS)
	case st.Download != nil:
		return rn.download(ctx, st.Download)
	case st.Go != nil:
		return rn.goStep(ctx, st.Go)
	case st.Fail != nil:
		detail, err := expand(st.Fail.Detail, rn.lookup)
		if err != nil {
			detail = st.Fail.Detail
		}
		return st.Fail.Outcome, twofetch.Fail(twofetch.Outcome(st.Fail.Outcome), "%s", detail)
	case st.Frame != nil:
		sel := rn.sel(st.Frame.Selector)
		rn.frames = append(rn.frames, sel)
		defer func() { rn.frames = rn.frames[:len(rn.frames)-1] }()
		// The frame must be there before its steps start; each of them
		// finds it again, since a frame may reload between two steps.
		if err := rn.pollScope(ctx, "true"); err != nil {
			return sel, err
		}
		return sel, rn.runSteps(path+"/do", st.Frame.Do)
	case st.Popup != nil:
		return rn.popup(ctx, path, st.Popup)
	case st.Consent != nil:
		found, err := rn.dismissConsent(ctx, st.Consent.Action)
		if err == nil && found == "" {
			return "no banner", nil
		}
		return found, err
	case st.Paginate != nil:
		return rn.paginate(ctx, path, st.Paginate)
	case st.Print != nil:
		return rn.print(ctx, st.Print)
	case st.Set != nil:
		for k, t := range st.Set {
			v, err := expand(t, rn.lookup)
			if err != nil {
				return "", err
			}
			rn.vars.v[k] = v
		}
		return "", nil
	}
	return "", fmt.Errorf("step has no action")
}

// sel expands a selector's placeholders and points :scope at the current
// row of a for_each over rows.
func (rn *run) sel(s string) string {
	if x, err := expand(s, rn.lookup); err == nil {
		s = x
	}
	if idx, ok := rn.vars.row[rowIndexKey]; ok && strings.Contains(s, ":scope") {
		s = strings.ReplaceAll(s, ":scope", fmt.Sprintf("[%s=%q]", rowAttr, stringify(idx)))
	}
	return s
}

const rowIndexKey = "_index"

// present returns errSkipped for an optional step whose element is not on
// the page right now; required steps wait for their element instead.
func (rn *run) present(ctx context.Context, st *Step, sel string) error {
	if !st.Optional {
		return nil
	}
	ok, err := rn.evalCond(ctx, &Cond{Selector: sel})
	if err != nil {
		return err
	}
	if !ok {
		return errSkipped
	}
	return nil
}

// evalCond tests a condition now, in the current scope.
func (rn *run) evalCond(ctx context.Context, c *Cond) (bool, error) {
	if len(rn.frames) == 0 && !condScoped(c) {
		return evalCond(ctx, c)
	}
	var ok bool
	err := rn.eval(ctx, condExpr(c), false, &ok)
	if err != nil && (isNavigationError(err) || errors.As(err, new(errFrameMissing))) {
		return false, nil
	}
	return ok, err
}

// waitCond waits for a condition in the current scope.
func (rn *run) waitCond(ctx context.Context, c *Cond) error {
	if len(rn.frames) == 0 && !condScoped(c) {
		return waitCond(ctx, c)
	}
	return rn.pollScope(ctx, condExpr(c))
}

func (rn *run) navigate(ctx context.Context, raw string) (string, error) {
	u, err := expand(raw, rn.lookup)
	if err != nil {
		return raw, err
	}
	abs, err := rn.resolveURL(ctx, u)
	if err != nil {
		return u, err
	}
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(abs))
	if err != nil || resp == nil {
		return abs, err
	}
	if err := rn.autoConsent(ctx); err != nil {
		return abs, err
	}
	// A refusal by status needs no element to time out on. The script's
	// own rules still win: they know what the portal's error pages mean.
	if o, ok := statusOutcome(resp.Status); ok {
		if err := rn.checkOutcomes(); err != nil {
			return abs, err
		}
		return abs, twofetch.Fail(o, "%s answered HTTP %d %s", rn.s.Name, resp.Status, resp.StatusText)
	}
	return abs, nil
}

// statusOutcome maps the HTTP status of a page the script navigates to
// onto an outcome, for the statuses whose meaning does not depend on the
// portal.
func statusOutcome(status int64) (twofetch.Outcome, bool) {
	switch {
	case status == 429:
		return twofetch.OutcomeRateLimited, true
	case status == 403:
		return twofetch.OutcomeBlocked, true
	case status >= 500:
		return twofetch.OutcomePortalDown, true
	}
	return "", false
}

// resolveURL makes u absolute against the current page and refuses hosts
// the script does not list, so a script cannot carry the session elsewhere.
func (rn *run) resolveURL(ctx context.Context, u string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", twofetch.FailWith(twofetch.OutcomePortalChanged, err, "bad URL")
	}
	if !pu.IsAbs() {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			return "", err
		}
		base, err := url.Parse(loc)
		if err != nil {
			return "", err
		}
		pu = base.ResolveReference(pu)
	}
	if pu.Scheme == "data" || pu.Scheme == "blob" {
		return pu.String(), nil
	}
	if !HostListed(rn.s.Hosts, pu.Hostname()) {
		return "", twofetch.Fail(twofetch.OutcomePortalChanged, "the script reached host %q, which its hosts do not list", pu.Hostname())
	}
	return pu.String(), nil
}

// typeInto fills a field. Secrets are fetched only after the field is on
// the page, so a portal that skips the 2FA prompt never costs a code.
func (rn *run) typeInto(ctx context.Context, st *Step) (string, error) {
	sel := rn.sel(st.Type.Selector)
	detail := fmt.Sprintf("%s ← %s", sel, st.Type.Value)
	if err := rn.present(ctx, st, sel); err != nil {
		return detail, err
	}
	if err := rn.autoConsent(ctx); err != nil {
		return detail, err
	}
	if err := rn.pollScope(ctx, wrapJS(fmt.Sprintf("__qa(document, %s).some(__vis)", jsString(sel)))); err != nil {
		return detail, err
	}
	secret := false
	value, err := expand(st.Type.Value, func(name string) (string, error) {
		switch name {
		case varUsername:
			return rn.job.Username, nil
		case varPassword:
			secret = true
			return rn.password(ctx)
		case varOTP:
			secret = true
			return rn.code(ctx)
		}
		if c, ok := rn.credential(name); ok && c.IsSecret() {
			secret = true
			return rn.secretCredential(ctx, c)
		}
		return rn.lookup(name)
	})
	if err != nil {
		return detail, err
	}
	if secret {
		rn.typed.add(value, sel)
	}
	keys := value
	if st.Type.Submit {
		keys += "\r"
	}
	// The field is there: typing at a person's pace takes the time it
	// takes, bounded by the job rather than by the wait for the field.
	tctx, cancel := mergeContexts(rn.jobCtx, rn.tab(), 0)
	defer cancel()
	if st.Type.Boxes {
		err = rn.typeBoxes(tctx, sel, value, st.Type.Submit)
	} else {
		err = rn.typeScoped(tctx, sel, keys)
	}
	if err != nil && secret {
		// Whatever the browser says must not carry the value.
		err = errors.New(rn.redact(err.Error()))
	}
	return detail, err
}

// credential returns the script's credential of that name.
func (rn *run) credential(name string) (Credential, bool) {
	if rn.s == nil {
		return Credential{}, false
	}
	for _, c := range rn.s.Credentials {
		if c.Name == name {
			return c, true
		}
	}
	return Credential{}, false
}

// lookup resolves a template name outside secrets: the username, a
// credential the customer gave, or a variable.
func (rn *run) lookup(name string) (string, error) {
	if name == varUsername && rn.job != nil {
		return rn.job.Username, nil
	}
	if name == varSince && rn.job != nil {
		if rn.job.Since.IsZero() {
			return "", nil
		}
		return rn.job.Since.Format(time.DateOnly), nil
	}
	if c, ok := rn.credential(name); ok && !c.IsSecret() {
		v, ok := rn.job.Fields[name]
		if !ok || v == "" {
			return "", twofetch.Fail(twofetch.OutcomeBadCredentials, "no %s is stored for this account", credLabel(c))
		}
		return v, nil
	}
	return rn.vars.lookup(name)
}

func credLabel(c Credential) string {
	if c.Label != "" {
		return c.Label
	}
	return strings.ReplaceAll(c.Name, "_", " ")
}

func (rn *run) secretCredential(ctx context.Context, c Credential) (string, error) {
	cs, ok := rn.job.Secrets.(CredentialSecrets)
	if !ok || rn.job.Secrets == nil {
		return "", twofetch.Fail(twofetch.OutcomeBadCredentials, "no %s is stored for this account", credLabel(c))
	}
	v, err := cs.Credential(ctx, c.Name)
	switch {
	case twofetch.IsNotFound(err) || (err == nil && v == ""):
		return "", twofetch.Fail(twofetch.OutcomeBadCredentials, "no %s is stored for this account", credLabel(c))
	case err != nil:
		return "", twofetch.FailWith(twofetch.OutcomeTransient, err, "could not read the "+credLabel(c)+" from the vault")
	}
	return v, nil
}

func (rn *run) password(ctx context.Context) (string, error) {
	if rn.job.Secrets == nil {
		return "", twofetch.Fail(twofetch.OutcomeBadCredentials, "no password is stored for this account")
	}
	p, err := rn.job.Secrets.Password(ctx)
	switch {
	case twofetch.IsNotFound(err):
		return "", twofetch.Fail(twofetch.OutcomeBadCredentials, "no password is stored for this account")
	case err != nil:
		return "", twofetch.FailWith(twofetch.OutcomeTransient, err, "could not read the password from the vault")
	}
	return p, nil
}

func (rn *run) code(ctx context.Context) (string, error) {
	missing := twofetch.Fail(twofetch.OutcomeOTPMissing, "%s asks for an authenticator code but no key is enrolled", rn.s.Name)
	if rn.job.Secrets == nil {
		return "", missing
	}
	has, err := rn.job.Secrets.HasKey(ctx)
	if err != nil {
		return "", twofetch.FailWith(twofetch.OutcomeTransient, err, "could not check the vault for a key")
	}
	if !has {
		return "", missing
	}
	c, err := rn.job.Secrets.Code(ctx)
	switch {
	case twofetch.IsNotFound(err):
		return "", missing
	case err != nil:
		return "", twofetch.FailWith(twofetch.OutcomeTransient, err, "could not get a code from the vault")
	}
	return c, nil
}

func (rn *run) selectOption(ctx context.Context, st *Step) (string, error) {
	sel := rn.sel(st.Select.Selector)
	if err := rn.present(ctx, st, sel); err != nil {
		return sel, err
	}
	if err := rn.pollScope(ctx, wrapJS(fmt.Sprintf("!!__q(document, %s)", jsString(sel)))); err != nil {
		return sel, err
	}
	value, err := expand(st.Select.Value, rn.lookup)
	if err != nil {
		return sel, err
	}
	label, err := expand(st.Select.Label, rn.lookup)
	if err != nil {
		return sel, err
	}
	js := fmt.Sprintf(`((sel, value, label) => {
		const s = __q(document, sel);
		if (!s || !s.options) return false;
		const o = Array.from(s.options).find(o => label ? o.text.trim() === label : o.value === value);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event('input', {bubbles: true}));
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})(%s, %s, %s)`, jsString(sel), jsString(value), jsString(label))
	var ok bool
	if err := rn.eval(ctx, wrapJS(js), false, &ok); err != nil {
		return sel, err
	}
	if !ok {
		return sel, twofetch.Fail(twofetch.OutcomePortalChanged, "select %q has no option %q", sel, value+label)
	}
	return sel + " = " + value + label, nil
}

// readFieldsJS reads fields from every row matching rowsSel (or from the
// document when rowsSel is empty), tagging rows so :scope can find them.
const readFieldsJS = `((rowsSel, fields, attr) => {
	const read = (root, f) => {
		const e = f.selector ? __q(root, f.selector) : root;
		if (!e) return null;
		let v;
		if (f.attr) {
			v = e.getAttribute(f.attr);
			if (v !== null && (f.attr === 'href' || f.attr === 'src')) v = new URL(v, document.baseURI).href;
		} else {
			v = e.innerText !== undefined ? e.innerText : e.textContent;
		}
		return v === null || v === undefined ? null : String(v).trim();
	};
	const roots = rowsSel ? __qa(document, rowsSel) : [document.documentElement];
	return roots.map((r, i) => {
		if (rowsSel) r.setAttribute(attr, String(i));
		const o = {};
		for (const [k, f] of Object.entries(fields)) o[k] = read(r, f);
		return o;
	});
})`

func (rn *run) readFields(ctx context.Context, rowsSel string, fields map[string]Field) ([]map[string]any, error) {
	fj, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	js := fmt.Sprintf("%s(%s, %s, %s)", readFieldsJS, jsString(rowsSel), fj, jsString(rowAttr))
	var raw []map[string]*string
	if err := rn.eval(ctx, wrapJS(js), false, &raw); err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = map[string]any{}
		for k, v := range r {
			s := ""
			if v != nil {
				s = *v
			}
			if re := fields[k].Regex; re != "" {
				s = applyRegex(re, s)
			}
			out[i][k] = s
		}
	}
	if rowsSel == "" && len(out) == 0 {
		out = []map[string]any{{}}
	}
	return out, nil
}

func applyRegex(re, s string) string {
	r, err := regexp.Compile(re)
	if err != nil {
		return ""
	}
	m := r.FindStringSubmatch(s)
	switch {
	case m == nil:
		return ""
	case len(m) > 1:
		return m[1]
	}
	return m[0]
}

func (rn *run) forEach(ctx context.Context, path string, fe *ForEachStep) (string, error) {
	var rows []map[string]any
	if fe.Rows != "" {
		var err error
		if rows, err = rn.readFields(ctx, fe.Rows, fe.Fields); err != nil {
			return "", err
		}
		for i := range rows {
			rows[i][rowIndexKey] = strconv.Itoa(i)
		}
	} else {
		list, ok := rn.vars.v[fe.Items].([]any)
		if !ok && rn.vars.v[fe.Items] != nil {
			return "", twofetch.Fail(twofetch.OutcomePortalChanged, "variable %q is not a list", fe.Items)
		}
		for _, it := range list {
			switch it := it.(type) {
			case map[string]any:
				rows = append(rows, it)
			default:
				rows = append(rows, map[string]any{"value": it})
			}
		}
	}
	if fe.Limit > 0 && len(rows) > fe.Limit {
		rows = rows[:fe.Limit]
	}
	older := 0
	if fe.Date != "" && !rn.job.Since.IsZero() {
		var err error
		if rows, older, err = rn.inWindow(fe.Date, rows); err != nil {
			return "", err
		}
	}
	total := len(rows)
	if fe.ID != "" {
		var err error
		if rows, err = rn.skipKnown(ctx, fe.ID, rows); err != nil {
			return "", err
		}
	}
	detail := fmt.Sprintf("%d rows, %d new", total, len(rows))
	if older > 0 {
		detail += fmt.Sprintf(", %d before %s", older, rn.job.Since.Format(time.DateOnly))
	}
	outer := rn.vars.row
	defer func() { rn.vars.row = outer }()
	for i, row := range rows {
		rn.vars.row = row
		if err := rn.runSteps(fmt.Sprintf("%s/do[%d]", path, i), fe.Do); err != nil {
			return detail, err
		}
	}
	return detail, nil
}

// inWindow drops the rows dated before the job's date window.
func (rn *run) inWindow(dateTmpl string, rows []map[string]any) ([]map[string]any, int, error) {
	outer := rn.vars.row
	defer func() { rn.vars.row = outer }()
	var out []map[string]any
	for _, row := range rows {
		rn.vars.row = row
		raw, err := expand(dateTmpl, rn.lookup)
		if err != nil {
			return nil, 0, err
		}
		day, err := ParseDate(raw, cmp.Or(rn.s.Locale, "en"))
		if err != nil {
			return nil, 0, twofetch.FailWith(twofetch.OutcomePortalChanged, err, "row date")
		}
		if day < rn.job.Since.Format(time.DateOnly) {
			continue
		}
		out = append(out, row)
	}
	return out, len(rows) - len(out), nil
}

// skipKnown drops the rows whose invoice id the store already has, asking
// once for the whole page instead of once per row.
func (rn *run) skipKnown(ctx context.Context, idTmpl string, rows []map[string]any) ([]map[string]any, error) {
	ids := make([]string, len(rows))
	outer := rn.vars.row
	defer func() { rn.vars.row = outer }()
	for i, row := range rows {
		rn.vars.row = row
		id, err := expand(idTmpl, rn.lookup)
		if err != nil {
			return nil, err
		}
		ids[i] = strings.TrimSpace(id)
	}
	known, err := rn.known(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for i, row := range rows {
		if ids[i] == "" || known[ids[i]] || rn.saved[ids[i]] {
			continue
		}
		rn.fresh[ids[i]] = true
		out = append(out, row)
	}
	return out, nil
}

func (rn *run) known(ctx context.Context, ids []string) (map[string]bool, error) {
	if rn.job.Known == nil || len(ids) == 0 {
		return map[string]bool{}, nil
	}
	k, err := rn.job.Known(ctx, ids)
	if err != nil {
		return nil, twofetch.FailWith(twofetch.OutcomeTransient, err, "could not look up stored invoices")
	}
	return k, nil
}

func (rn *run) runJS(ctx context.Context, j *JSStep) (string, error) {
	vj, err := json.Marshal(rn.vars.v)
	if err != nil {
		return "", err
	}
	rj, err := json.Marshal(rn.vars.row)
	if err != nil {
		return "", err
	}
	expr := fmt.Sprintf("(async (vars, row) => {\n%s\n})(%s, %s)", j.Script, vj, rj)
	var v any
	if err := rn.eval(ctx, expr, true, &v); err != nil {
		return "", err
	}
	if j.Var != "" {
		rn.vars.v[j.Var] = v
		if l, ok := v.([]any); ok {
			return fmt.Sprintf("%s = list of %d", j.Var, len(l)), nil
		}
		return j.Var + " set", nil
	}
	return "", nil
}

func (rn *run) goStep(ctx context.Context, g *GoStep) (string, error) {
	fn := rn.r.lookupStep(g.Name)
	if fn == nil {
		return g.Name, twofetch.Fail(twofetch.OutcomePortalChanged, "Go step %q is not registered", g.Name)
	}
	args := map[string]string{}
	for k, t := range g.Args {
		v, err := expand(t, rn.lookup)
		if err != nil {
			return g.Name, err
		}
		args[k] = v
	}
	return g.Name, fn(ctx, &StepContext{Script: rn.s, Args: args, Row: rn.vars.row, run: rn})
}

// StepContext is what a Go step sees of its run.
type StepContext struct {
	Script *Script
	Args   map[string]string
	// Row is the current for_each row, nil outside loops.
	Row map[string]any
	run *run
}

// Var returns a variable set by an earlier step.
func (sc *StepContext) Var(name string) (any, bool) {
	v, ok := sc.run.vars.v[name]
	return v, ok
}

// SetVar sets a variable for later steps.
func (sc *StepContext) SetVar(name string, v any) { sc.run.vars.v[name] = v }

// Username is the account's login name.
func (sc *StepContext) Username() string { return sc.run.job.Username }

// Store checks, hashes and saves a document unless its id is already
// stored; it reports whether the document was new.
func (sc *StepContext) Store(ctx context.Context, d *Document) (bool, error) {
	return sc.run.store(ctx, d)
}
