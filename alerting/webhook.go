package alerting

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The webhook headers (DESIGN.md, Configuration).
const (
	HeaderTimestamp   = "X-Driftmon-Timestamp"
	HeaderSignature   = "X-Driftmon-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// Sign returns the X-Driftmon-Signature value of body sent at ts (Unix
// seconds): "sha256=" and the hex HMAC-SHA256 of ts + "." + body. Signing
// the timestamp with the body lets a receiver refuse replays of an old
// request.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Webhook POSTs the message as JSON, signed.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
	// Now stamps the timestamp header (default time.Now).
	Now func() time.Time
}

// Notify implements Notifier.
func (h *Webhook) Notify(ctx context.Context, m *Message, _ Prior) (string, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return "", &DeliveryError{Err: fmt.Errorf("encode: %w", err)}
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return "", &DeliveryError{Err: errors.New("invalid webhook URL")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "driftmon")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(h.Secret, ts, body))
	req.Header.Set(HeaderIdempotency, m.ID)
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", &DeliveryError{Retry: true, Err: transportError(err)}
	}
	defer resp.Body.Close()
	return "", statusError(resp)
}

// statusError classifies an HTTP answer: nil for 2xx; retry on 5xx and 429
// (with its Retry-After); any other status is the receiver refusing.
func statusError(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	de := &DeliveryError{Status: resp.StatusCode, Answer: printable(answer)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		de.Retry, de.After = true, retryAfter(resp.Header.Get("Retry-After"), time.Now())
	case resp.StatusCode >= 500:
		de.Retry = true
	}
	de.Err = errors.New(de.Error())
	return de
}

// retryAfter reads Retry-After, in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' {
			return ' '
		}
		return r
	}, s)
	for len(s) > 200 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return strings.TrimSpace(s)
}

// transportError drops the URL from a client error: a webhook URL may
// carry a token in its path or query, and errors end up in logs.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timeout: %w", err)
	}
	return err
}
