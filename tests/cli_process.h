// Runs a program (the CLI) as a child process for the tests: exit code, stdout and stderr; JSON parsing of
// its output. Header-only, shared by the test executables.
#pragma once
#include <QByteArray>
#include <QDebug>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTest>

#include <sys/resource.h>

namespace llms::test {

struct CliRun {
    int code = -1;
    QByteArray out, err;
};

// cpu_seconds > 0: the child may use at most that much CPU time (RLIMIT_CPU; beyond it the kernel ends it and
// code is -1). Bounds work without measuring wall-clock time, which a shared machine stretches.
inline CliRun run_process(const QString& program, const QStringList& args, int timeout_ms = 60000, int cpu_seconds = 0) {
    QProcess p;
    if (cpu_seconds > 0)
        p.setChildProcessModifier([cpu_seconds] {
            const struct rlimit limit = {(rlim_t)cpu_seconds, (rlim_t)cpu_seconds};
            ::setrlimit(RLIMIT_CPU, &limit);
        });
    p.start(program, args);
    CliRun r;
    if (!p.waitForStarted(10000)) {
        r.err = "did not start";
        return r;
    }
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

inline QJsonObject json_of(const QByteArray& text) {
    QJsonParseError e{};
    const auto doc = QJsonDocument::fromJson(text, &e);
    if (e.error != QJsonParseError::NoError) qWarning() << "not JSON:" << e.errorString() << text.left(400);
    return doc.object();
}

// Waits (up to timeout_ms) until a training command prints its progress line ("step N/..."), collecting its
// standard error in `err`. True when it is training; false when it ended or the time ran out.
inline bool wait_until_training(QProcess& p, QByteArray& err, int timeout_ms = 240000) {
    const bool seen = QTest::qWaitFor([&] {
        p.waitForReadyRead(100);
        err += p.readAllStandardError();
        return err.contains("step ") || p.state() == QProcess::NotRunning;
    }, timeout_ms);
    return seen && p.state() == QProcess::Running;
}

}  // namespace llms::test
