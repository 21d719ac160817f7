package portal_test

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"calldesk/internal/web"
)

// countingBody counts the bytes the server reads of a request's body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// zeros is an endless source of bytes, so a test can send 50 MiB without holding them.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestAnonymousBodyIsNotRead (issue 13 point 6): a request without a session, to any console or
// portal action, is answered having read at most web.MaxAnonymousBody of what it sends: a
// multipart form carrying 50 MiB of file, a sign-in form of 50 MiB. The text before the file is
// still kept for sending after signing in.
func TestAnonymousBodyIsNotRead(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		var read atomic.Int64
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = countingBody{r.Body, &read}
			e.handler.ServeHTTP(w, r)
		}))
		defer hs.Close()
		const size = 50 << 20
		send := func(path, contentType string, body io.Reader) (int, string) {
			t.Helper()
			read.Store(0)
			req, _ := http.NewRequest("POST", hs.URL+path, body)
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", path, err)
			}
			defer res.Body.Close()
			page, _ := io.ReadAll(res.Body)
			if n := read.Load(); n > web.MaxAnonymousBody+1 {
				t.Errorf("POST %s without a session: the server read %d bytes, more than %d", path, n, web.MaxAnonymousBody)
			}
			return res.StatusCode, string(page)
		}
		multipartBody := func() (io.Reader, string) {
			pr, pw := io.Pipe()
			mw := multipart.NewWriter(pw)
			go func() {
				mw.WriteField("summary", "Screen flickers")
				mw.WriteField("text", "Screen flickers")
				fw, _ := mw.CreateFormFile("files", "huge.png")
				_, err := io.Copy(fw, io.LimitReader(zeros{}, size))
				if err == nil {
					err = mw.Close()
				}
				pw.CloseWithError(err)
			}()
			return pr, mw.FormDataContentType()
		}
		for _, path := range []string{"/portal/calls/new", "/portal/calls/F0000001/update", "/calls/new", "/calls/F0000001/note"} {
			body, ct := multipartBody()
			status, page := send(path, ct, body)
			named := strings.Contains(page, "huge.png") || !strings.HasPrefix(path, "/portal/") // the console does not name them
			if status != http.StatusUnauthorized || !strings.Contains(page, "Screen flickers") || !named {
				t.Errorf("POST %s without a session: %d, the text and the file's name not kept:\n%s", path, status, page)
			}
		}
		for _, path := range []string{"/portal/signin", "/signin", "/portal/calls/new", "/calls/new"} {
			body := io.MultiReader(strings.NewReader("login=dan&summary=Screen+flickers&password="), io.LimitReader(zeros{}, size))
			if status, _ := send(path, "application/x-www-form-urlencoded", body); status == http.StatusOK || status >= 500 {
				t.Errorf("POST %s of %d bytes: %d", path, size, status)
			}
		}
	})
}
