#include "engine/store/Sqlite.h"

#include <sqlite3.h>

namespace neurite {

Database::Database(const std::string& path, Mode mode) : path_(path)
{
    const int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError(path + ": cannot open the workspace: " + why);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);  // writers wait for each other instead of failing
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::fail(const std::string& what) const
{
    throw StoreError(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

void Database::exec(const std::string& sql)
{
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : sqlite3_errmsg(db_);
        sqlite3_free(message);
        throw StoreError(path_ + ": " + why);
    }
}

Statement Database::prepare(const std::string& sql) { return Statement(*this, sql); }
std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

Statement::Statement(Database& db, const std::string& sql) : db_(&db)
{
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), int(sql.size()), &stmt_, nullptr) != SQLITE_OK)
        db.fail("cannot prepare '" + sql.substr(0, 60) + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement& Statement::bind(int i, std::int64_t v)
{
    if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK)
        db_->fail("bind");
    return *this;
}

Statement& Statement::bind(int i, double v)
{
    if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK)
        db_->fail("bind");
    return *this;
}

Statement& Statement::bind(int i, std::string_view v)
{
    if (sqlite3_bind_text(stmt_, i, v.data(), int(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
        db_->fail("bind");
    return *this;
}

Statement& Statement::bindNull(int i)
{
    if (sqlite3_bind_null(stmt_, i) != SQLITE_OK)
        db_->fail("bind");
    return *this;
}

Statement& Statement::bindBlob(int i, std::string_view bytes)
{
    if (sqlite3_bind_blob64(stmt_, i, bytes.data(), sqlite3_uint64(bytes.size()), SQLITE_TRANSIENT) != SQLITE_OK)
        db_->fail("bind");
    return *this;
}

Statement& Statement::bindZeroBlob(int i, std::int64_t bytes)
{
    if (sqlite3_bind_zeroblob64(stmt_, i, sqlite3_uint64(bytes)) != SQLITE_OK)
        db_->fail("bind");
    return *this;
}

Statement& Statement::bind(int i, const std::optional<std::int64_t>& v)
{
    return v ? bind(i, *v) : bindNull(i);
}

bool Statement::step()
{
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    db_->fail("statement failed");
}

void Statement::run()
{
    while (step()) {
    }
    reset();
}

void Statement::reset() { sqlite3_reset(stmt_); }

std::int64_t Statement::integer(int c) const { return sqlite3_column_int64(stmt_, c); }
double Statement::real(int c) const { return sqlite3_column_double(stmt_, c); }
bool Statement::isNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }

std::string Statement::text(int c) const
{
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(stmt_, c))) : std::string();
}

std::string Statement::blob(int c) const
{
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, c));
    return p ? std::string(p, std::size_t(sqlite3_column_bytes(stmt_, c))) : std::string();
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction()
{
    if (!done_)
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);  // never throws from a destructor
}

void Transaction::commit()
{
    db_.exec("COMMIT");
    done_ = true;
}

} // namespace neurite
