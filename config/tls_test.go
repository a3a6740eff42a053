package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert writes a fresh self-signed certificate and its key as PEM
// files and returns their paths and the certificate's DER bytes.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, der []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "driftmon-test"},
		NotBefore:             time.Unix(0, 0),
		NotAfter:              time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, der
}

func TestTLSClientConfig(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, der := writeCert(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("disabled", func(t *testing.T) {
		cfg, err := TLSConfig{CAFile: certFile}.ClientConfig()
		if cfg != nil || err != nil {
			t.Errorf("got %v, %v; want nil, nil", cfg, err)
		}
	})
	t.Run("full", func(t *testing.T) {
		cfg, err := TLSConfig{Enabled: true, CAFile: certFile, CertFile: certFile, KeyFile: keyFile, ServerName: "kafka.internal"}.ClientConfig()
		if err != nil {
			t.Fatal(err)
		}
		ca, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		want := x509.NewCertPool()
		want.AddCert(ca)
		if !cfg.RootCAs.Equal(want) {
			t.Errorf("RootCAs do not hold exactly the CA file's certificate")
		}
		if len(cfg.Certificates) != 1 || !bytes.Equal(cfg.Certificates[0].Certificate[0], der) {
			t.Errorf("client certificate not loaded")
		}
		if cfg.ServerName != "kafka.internal" || cfg.InsecureSkipVerify || cfg.MinVersion != tls.VersionTLS12 {
			t.Errorf("got ServerName %q, InsecureSkipVerify %v, MinVersion %x", cfg.ServerName, cfg.InsecureSkipVerify, cfg.MinVersion)
		}
	})
	t.Run("system roots", func(t *testing.T) {
		cfg, err := TLSConfig{Enabled: true}.ClientConfig()
		if err != nil || cfg.RootCAs != nil || len(cfg.Certificates) != 0 {
			t.Errorf("got %+v, %v; want nil RootCAs (the system's) and no certificate", cfg, err)
		}
	})
	errCases := []struct {
		name string
		tls  TLSConfig
		is   error
	}{
		{"missing CA", TLSConfig{Enabled: true, CAFile: filepath.Join(dir, "nope.pem")}, fs.ErrNotExist},
		{"CA not PEM", TLSConfig{Enabled: true, CAFile: notPEM}, errNoCertificates},
		{"missing key", TLSConfig{Enabled: true, CertFile: certFile, KeyFile: filepath.Join(dir, "nope.pem")}, fs.ErrNotExist},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.tls.ClientConfig(); !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
		})
	}
}

// TestAbsolutePathsKept loads files named by absolute paths: they are read
// where they are, not under the config file's directory.
func TestAbsolutePathsKept(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeCert(t, dir)
	ref := filepath.Join(dir, "ref.csv")
	if err := os.WriteFile(ref, []byte("x\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y := fmt.Sprintf(`kafka:
  tls: {enabled: true, ca_file: %q, cert_file: %q, key_file: %q}
models:
  - name: m
    window: {duration: 1m}
    reference: {file: %q}
    features: {x: numeric}
`, certFile, certFile, keyFile, ref)
	c, err := Parse([]byte(y), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Kafka.TLS; got.CAFile != certFile || got.CertFile != certFile || got.KeyFile != keyFile {
		t.Errorf("TLS files %+v, want the absolute paths unchanged", got)
	}
	if got := c.Models[0].Reference.File; got != ref {
		t.Errorf("reference file %q, want %q", got, ref)
	}
}
