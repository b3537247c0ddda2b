package namedb

import (
	"context"
	"fmt"
)

// NamespaceNameCount is the number of names ever registered or imported
// in a namespace, as NameCount counts them all.
func (db *DB) NamespaceNameCount(ctx context.Context, namespaceID string) (int64, error) {
	var n int64
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM names WHERE namespace_id = ?`, namespaceID).Scan(&n); err != nil {
		return 0, fmt.Errorf("namedb: names of %s: %w", namespaceID, err)
	}
	return n, nil
}
