package casework

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"anju/internal/platform/auth"
	"anju/internal/platform/db"
)

// MaxAttachment is the largest file a case takes (10 MiB).
const MaxAttachment = 10 << 20

// attachmentTypes are the content types accepted, recognised from the
// bytes themselves (never from the name or the declared type), with the
// extension the download gets.
var attachmentTypes = map[string]string{
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/gif":       ".gif",
	"image/webp":      ".webp",
	"application/pdf": ".pdf",
}

// SniffAttachment checks a file by its content: an image (JPEG, PNG, GIF,
// WebP) or a PDF, not empty, at most MaxAttachment. It returns the content
// type.
func SniffAttachment(data []byte) (string, error) {
	if len(data) == 0 {
		return "", FieldErrors{Invalid("file", "empty", "文件为空", "the file is empty")}
	}
	if len(data) > MaxAttachment {
		return "", FieldErrors{Invalid("file", "too_large", "文件不能超过10MB", "at most 10 MB")}
	}
	ct := http.DetectContentType(data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	// DetectContentType knows "%PDF-" as application/pdf.
	if _, ok := attachmentTypes[ct]; !ok {
		return "", FieldErrors{Invalid("file", "type", "只接受图片（JPG、PNG、GIF、WebP）或PDF文件",
			"only images (JPG, PNG, GIF, WebP) or PDF files")}
	}
	return ct, nil
}

// cleanName keeps a safe display name for a file, with the extension of
// its real type.
func cleanName(name, ct string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == '"' || r == '/' || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "" {
		name = "file"
	}
	for utf8.RuneCountInString(name) > 100 {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	ext := attachmentTypes[ct]
	if !strings.EqualFold(path.Ext(name), ext) && !(ext == ".jpg" && strings.EqualFold(path.Ext(name), ".jpeg")) {
		name = strings.TrimSuffix(name, path.Ext(name)) + ext
	}
	return name
}

// Attach adds a file to case id with an "attachment" event. Staff who see
// the case may attach; so may its party while it is open (public then).
func (e *Engine) Attach(ctx context.Context, id int64, name string, data []byte, public bool) (Attachment, error) {
	var a Attachment
	err := e.DB.Tx(ctx, func(tx *db.Tx) error {
		var err error
		a, err = e.AttachTx(ctx, tx, id, name, data, public)
		return err
	})
	return a, err
}

// AttachTx attaches a file inside the caller's transaction (a module that
// creates a case with CreateTx and its photos in one command).
func (e *Engine) AttachTx(ctx context.Context, tx *db.Tx, id int64, name string, data []byte, public bool) (Attachment, error) {
	ct, err := SniffAttachment(data)
	if err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256(data)
	a := Attachment{CaseID: id, Name: cleanName(name, ct), ContentType: ct, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Public: public, CreatedAt: e.now()}
	return e.attachTx(ctx, tx, a, data)
}

func (e *Engine) attachTx(ctx context.Context, tx *db.Tx, a Attachment, data []byte) (Attachment, error) {
	p := auth.FromContext(ctx)
	ct, id := a.ContentType, a.CaseID
	err := func() error {
		c, t, err := e.load(ctx, tx, id)
		if err != nil {
			return err
		}
		staff := isSystem(p) || (p.UserID != 0 && p.Role.IsStaff())
		if !staff {
			isParty := (p.UserID != 0 && p.UserID == c.PartyUserID) || partyProof(ctx) == c.ID
			if !isParty || !c.Open() {
				return ErrForbidden
			}
			a.Public = true
		}
		ev := Event{CaseID: c.ID, At: a.CreatedAt, Kind: "attachment", ActorID: p.UserID, ActorName: actorName(p),
			ActorRole: string(p.Role), FromState: c.State, ToState: c.State, Public: a.Public, Text: a.Name,
			Data: map[string]any{"size": a.Size, "type": ct}}
		if err := insertEvent(ctx, tx, &ev); err != nil {
			return err
		}
		a.EventID = ev.ID
		if err := tx.QueryRow(ctx, `INSERT INTO case_attachments (case_id, event_id, name, content_type, size, sha256, public,
			content, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.ID, ev.ID, a.Name, ct, a.Size, a.SHA256, boolInt(a.Public), data, ni(p.UserID), a.CreatedAt).Scan(&a.ID); err != nil {
			return err
		}
		return e.audit(ctx, tx, t.Name+".attach", &c, fmt.Sprintf("%s %s (%d bytes)", c.Number, a.Name, a.Size))
	}()
	return a, err
}

// Attachments lists the files of case id the principal of ctx may see
// (the party sees the public ones).
func (e *Engine) Attachments(ctx context.Context, id int64) ([]Attachment, error) {
	c, err := e.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	q := `SELECT id, case_id, event_id, name, content_type, size, sha256, public, created_at FROM case_attachments WHERE case_id = ?`
	if !(isSystem(p) || p.Role.IsStaff()) {
		q += ` AND public = 1`
	}
	rows, err := e.DB.Query(ctx, q+` ORDER BY id`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		var a Attachment
		var ev sql.NullInt64
		var pub int
		if err := rows.Scan(&a.ID, &a.CaseID, &ev, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &pub, &a.CreatedAt); err != nil {
			return nil, err
		}
		a.EventID, a.Public, a.CreatedAt = ev.Int64, pub == 1, a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentContent returns attachment id and its bytes, if its case is
// visible to the principal of ctx (and, for the party, it is public).
func (e *Engine) AttachmentContent(ctx context.Context, id int64) (Attachment, []byte, error) {
	var a Attachment
	var pub int
	var data []byte
	err := e.DB.QueryRow(ctx, `SELECT id, case_id, name, content_type, size, sha256, public, content FROM case_attachments WHERE id = ?`, id).
		Scan(&a.ID, &a.CaseID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &pub, &data)
	if isNoRows(err) {
		return Attachment{}, nil, db.ErrNotFound
	}
	if err != nil {
		return Attachment{}, nil, err
	}
	a.Public = pub == 1
	if _, err := e.Get(ctx, a.CaseID); err != nil {
		return Attachment{}, nil, err
	}
	p := auth.FromContext(ctx)
	if !a.Public && !(isSystem(p) || p.Role.IsStaff()) {
		return Attachment{}, nil, db.ErrNotFound
	}
	if sum := sha256.Sum256(data); !bytes.Equal([]byte(hex.EncodeToString(sum[:])), []byte(a.SHA256)) {
		return Attachment{}, nil, fmt.Errorf("casework: attachment %d does not match its checksum", id)
	}
	return a, data, nil
}
