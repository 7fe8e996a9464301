package web

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/twofetch/twofetch"
)

// artifactTypes are the only files served from a run's artifacts, with the
// types they are served as. The page HTML came from a portal: it is served
// as a plain-text download so it can never run on this origin.
var artifactTypes = map[string]string{
	"screenshot.png": "image/png",
	"page.html":      "text/plain; charset=utf-8",
	"steps.log":      "text/plain; charset=utf-8",
}

// openArtifact opens a run's artifact in the blob store. The key comes
// from the run id and a fixed file name, never from what the run row
// says, so a tampered row cannot make the server read other objects.
func (p *Pipeline) openArtifact(ctx context.Context, run *twofetch.Run, name string) (io.ReadCloser, error) {
	if run.Artifacts == "" || !validArtifactID(run.ID) {
		return nil, twofetch.ErrNotFound
	}
	if _, ok := twofetch.ArtifactFiles[name]; !ok {
		return nil, twofetch.ErrNotFound
	}
	return p.Blob.Get(ctx, twofetch.ArtifactPrefix(run.ID)+name)
}

func validArtifactID(id string) bool {
	return id != "" && len(id) <= 64 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

func (p *Pipeline) hasArtifact(ctx context.Context, run *twofetch.Run, name string) bool {
	f, err := p.openArtifact(ctx, run, name)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func (p *Pipeline) artifact(w http.ResponseWriter, r *http.Request) {
	t := TenantFrom(r.Context())
	name := path.Base(r.URL.Path)
	ct, ok := artifactTypes[name]
	run, err := p.Store.Run(r.Context(), t.ID, r.PathValue("rid"))
	if !ok || err != nil {
		p.supportError(w, r, notFoundOr(errOr(err, twofetch.ErrNotFound), "artifact"))
		return
	}
	f, err := p.openArtifact(r.Context(), run, name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !twofetch.IsNotFound(err) {
			p.log().ErrorContext(r.Context(), "open artifact", "run", run.ID, "file", name, "err", err)
		}
		p.supportError(w, r, twofetch.Errorf(twofetch.ENOTFOUND, "this run has no %s", name))
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	if name == "page.html" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": run.ID + "-page.html.txt"}))
	}
	if _, err := io.Copy(w, io.LimitReader(f, maxArtifactSize)); err != nil {
		p.log().WarnContext(r.Context(), "send artifact", "run", run.ID, "file", name, "err", err)
	}
}

// maxArtifactSize bounds what one artifact response sends.
const maxArtifactSize = 64 << 20

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}
