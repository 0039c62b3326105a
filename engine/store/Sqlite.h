#pragma once
// A thin RAII layer over SQLite: a connection, prepared statements and transactions. Every failure
// throws StoreError with SQLite's message and the database path. Thread rule: one connection per
// thread (SQLite's serialized mode would allow more, but the store never shares one).
#include "engine/core/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace neurite {

class StoreError : public Error {
public:
    using Error::Error;
};

class Statement;

class Database {
public:
    enum class Mode { ReadWrite, ReadOnly };
    // Opens (creating when ReadWrite) the file. Throws StoreError.
    Database(const std::string& path, Mode mode = Mode::ReadWrite);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(const std::string& sql);                 // one or more statements, no results
    Statement prepare(const std::string& sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    const std::string& path() const { return path_; }
    sqlite3* handle() { return db_; }
    [[noreturn]] void fail(const std::string& what) const;  // throws with SQLite's current message

private:
    std::string path_;
    sqlite3* db_ = nullptr;
};

class Statement {
public:
    Statement(Database& db, const std::string& sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters count from 1, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bindNull(int index);
    Statement& bindZeroBlob(int index, std::int64_t bytes);
    Statement& bindBlob(int index, std::string_view bytes);
    Statement& bind(int index, const std::optional<std::int64_t>& value);

    bool step();                                      // true: a row is ready
    void run();                                       // step to the end, expecting no rows
    void reset();                                     // for reuse (bindings kept)

    std::int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::string blob(int column) const;
    bool isNull(int column) const;

private:
    Database* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK in the destructor unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

} // namespace neurite
