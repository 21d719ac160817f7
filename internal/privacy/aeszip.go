package privacy

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"calldesk/internal/desk"
)

// This file writes a zip whose files are encrypted with AES-256 the way WinZip does (AE-2), which
// 7-Zip, WinZip and most unzip tools read: a bundle for someone without a portal account leaves
// calldesk encrypted (P12). No maintained Go library for it is on the module proxy, and the
// format is small: per file, a random salt, PBKDF2-HMAC-SHA1 (1000 iterations) giving an AES-256
// key, an HMAC-SHA1 key and a 2-byte password check; the deflated data encrypted with AES in CTR
// mode with a little-endian counter from 1; the first 10 bytes of HMAC-SHA1 of the ciphertext
// after it. Method 99 with extra field 0x9901 says so; AE-2 leaves the CRC zero (the HMAC
// authenticates instead).

const (
	aesMethod     = 99
	aesExtraID    = 0x9901
	aesSaltLen    = 16 // AES-256
	aesKeyLen     = 32
	aesIterations = 1000
	aesMACLen     = 10
)

// NewPassphrase is a strong passphrase (160 random bits) that reads aloud: base32 letters and
// digits in groups of four, joined by hyphens.
func NewPassphrase() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	s := base32.StdEncoding.EncodeToString(b)
	var groups []string
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:i+4])
	}
	return strings.Join(groups, "-"), nil
}

// ArchiveEntry is the one entry of an encrypted archive: the whole bundle zip, so that the
// archive's central directory, which AES does not encrypt, shows no name of the bundle's files.
const ArchiveEntry = "personal-data.zip"

// passphraseForm is the form NewPassphrase gives: 8 groups of 4 base32 characters.
var passphraseForm = regexp.MustCompile(`^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$`)

// ValidPassphrase says whether s has the form of a passphrase NewPassphrase makes (160 random
// bits): an archive is encrypted under no other, so a weak one chosen by hand is refused.
func ValidPassphrase(s string) bool { return passphraseForm.MatchString(s) }

// EncryptZip puts the zip src, whole, in a new zip as its one entry ArchiveEntry, encrypted under
// passphrase (WinZip AES-256, AE-2): the file names inside src are encrypted with their content.
func EncryptZip(src []byte, passphrase string) ([]byte, error) {
	if passphrase == "" {
		return nil, fmt.Errorf("no passphrase")
	}
	if _, err := zip.NewReader(bytes.NewReader(src), int64(len(src))); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	if err := writeAES(zw, ArchiveEntry, src, passphrase); err != nil {
		return nil, fmt.Errorf("%s: %w", ArchiveEntry, err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func writeAES(zw *zip.Writer, name string, plain []byte, passphrase string) error {
	var packed bytes.Buffer
	fw, err := flate.NewWriter(&packed, flate.DefaultCompression)
	if err != nil {
		return err
	}
	if _, err := fw.Write(plain); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	salt := make([]byte, aesSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	keys, err := pbkdf2.Key(sha1.New, passphrase, salt, aesIterations, 2*aesKeyLen+2)
	if err != nil {
		return err
	}
	encKey, macKey, check := keys[:aesKeyLen], keys[aesKeyLen:2*aesKeyLen], keys[2*aesKeyLen:]
	data := packed.Bytes()
	if err := ctrLE(encKey, data); err != nil {
		return err
	}
	mac := hmac.New(sha1.New, macKey)
	mac.Write(data)
	sum := mac.Sum(nil)[:aesMACLen]

	extra := make([]byte, 11)
	binary.LittleEndian.PutUint16(extra[0:], aesExtraID)
	binary.LittleEndian.PutUint16(extra[2:], 7)
	binary.LittleEndian.PutUint16(extra[4:], 2) // AE-2
	copy(extra[6:], "AE")
	extra[8] = 3 // AES-256
	binary.LittleEndian.PutUint16(extra[9:], zip.Deflate)
	fh := &zip.FileHeader{Name: name, Method: aesMethod, Flags: 0x1, Extra: extra,
		CompressedSize64:   uint64(len(salt) + len(check) + len(data) + len(sum)),
		UncompressedSize64: uint64(len(plain))}
	if !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
		fh.Flags |= 0x800 // the name is UTF-8
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	for _, part := range [][]byte{salt, check, data, sum} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return nil
}

// ctrLE encrypts (or decrypts) data in place with AES in CTR mode as WinZip AES does: the
// counter is a 128-bit little-endian number starting at 1 (crypto/cipher's CTR counts big-endian).
func ctrLE(key, data []byte) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	var ctr, stream [aes.BlockSize]byte
	var n uint64
	for off := 0; off < len(data); off += aes.BlockSize {
		n++
		binary.LittleEndian.PutUint64(ctr[:8], n)
		block.Encrypt(stream[:], ctr[:])
		end := min(off+aes.BlockSize, len(data))
		for i := off; i < end; i++ {
			data[i] ^= stream[i-off]
		}
	}
	return nil
}

// PassphraseChannel says how the passphrase of an encrypted archive reaches the person: the
// console's delivery step and the offline export both say it.
const PassphraseChannel = "give it to the person through another channel than the archive (by phone, or in person), never " +
	"in the same email or on the same medium: it is not stored, and cannot be shown again"

// SealBundle is a final bundle's zip as it leaves calldesk without the portal (P12): encrypted
// whole (EncryptZip) under passphrase, which must be one NewPassphrase made. The console's
// encrypted download and the offline export (Builder.Export) both write it.
func SealBundle(bundle []byte, passphrase string) ([]byte, error) {
	if !ValidPassphrase(passphrase) {
		return nil, desk.Errorf(desk.EINVALID, "the archive is encrypted only under a passphrase calldesk makes")
	}
	return EncryptZip(bundle, passphrase)
}

// OpenArchive decrypts an archive EncryptZip wrote, with passphrase, and returns the bundle zip it
// holds; a wrong passphrase, or an archive altered since, is an error. Export reads back each
// archive it writes with it before it shows the passphrase.
func OpenArchive(archive []byte, passphrase string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, err
	}
	if len(zr.File) != 1 || zr.File[0].Name != ArchiveEntry || zr.File[0].Method != aesMethod {
		return nil, fmt.Errorf("not an encrypted bundle archive")
	}
	rr, err := zr.File[0].OpenRaw()
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(rr)
	if err != nil {
		return nil, err
	}
	if len(raw) < aesSaltLen+2+aesMACLen {
		return nil, fmt.Errorf("the archive is cut short")
	}
	salt, check, data, sum := raw[:aesSaltLen], raw[aesSaltLen:aesSaltLen+2], raw[aesSaltLen+2:len(raw)-aesMACLen], raw[len(raw)-aesMACLen:]
	keys, err := pbkdf2.Key(sha1.New, passphrase, salt, aesIterations, 2*aesKeyLen+2)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(keys[2*aesKeyLen:], check) {
		return nil, fmt.Errorf("wrong passphrase")
	}
	mac := hmac.New(sha1.New, keys[aesKeyLen:2*aesKeyLen])
	mac.Write(data)
	if !hmac.Equal(mac.Sum(nil)[:aesMACLen], sum) {
		return nil, fmt.Errorf("the archive was altered, or the passphrase is wrong")
	}
	plain := bytes.Clone(data)
	if err := ctrLE(keys[:aesKeyLen], plain); err != nil {
		return nil, err
	}
	return io.ReadAll(flate.NewReader(bytes.NewReader(plain)))
}
