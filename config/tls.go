package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// ClientConfig builds the crypto/tls client configuration, or returns nil
// when TLS is off. Kafka and ClickHouse both use it, so the two connections
// read their files and check certificates the same way. Load has already
// read the files once (a missing or malformed one is a config error with its
// key and line); reading them again here picks up a renewed certificate at
// each start of a connection's setup.
func (t TLSConfig) ClientConfig() (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify, // #nosec G402 -- the operator's explicit choice
	}
	pool, err := t.rootCAs()
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = pool
	cert, err := t.clientCert()
	if err != nil {
		return nil, err
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return cfg, nil
}

// rootCAs reads CAFile; nil (the system roots) when it is not set.
func (t TLSConfig) rootCAs() (*x509.CertPool, error) {
	if t.CAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, fmt.Errorf("tls ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls ca_file %s: %w", t.CAFile, errNoCertificates)
	}
	return pool, nil
}

// clientCert reads CertFile and KeyFile; nil when neither is set.
func (t TLSConfig) clientCert() (*tls.Certificate, error) {
	if t.CertFile == "" && t.KeyFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("tls cert_file/key_file: %w", err)
	}
	return &cert, nil
}

var errNoCertificates = errors.New("no PEM certificates found")
