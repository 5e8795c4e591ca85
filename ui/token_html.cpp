#include "ui/token_html.h"

#include <QObject>

#include <algorithm>

namespace llms::ui {

QColor probabilityColor(double p) {
    p = std::clamp(p, 0.0, 1.0);
    return QColor::fromHsvF(0.33 * p, 0.42, 1.0);   // 0 red ... 0.33 green, light
}

QString completionHtml(const QString& prompt, const session::Completion& c) {
    QString h = "<div style='white-space:pre-wrap; font-size:11pt'>";
    h += "<span style='color:#777'>" + prompt.toHtmlEscaped() + "</span>";
    QString pending;   // a token with no text of its own (part of a UTF-8 character) joins the next one
    for (const auto& t : c.tokens) {
        const QString text = QString::fromStdString(t.text);
        if (text.isEmpty()) continue;
        QString shown = text.toHtmlEscaped();
        shown.replace("\n", "⏎<br>");
        h += QString("<span style='background-color:%1' title='p = %2'>%3</span>")
                 .arg(probabilityColor(t.prob).name())
                 .arg(t.prob, 0, 'f', 3)
                 .arg(shown);
    }
    if (c.tokens.empty()) h += "<i style='color:#777'> (no new tokens)</i>";
    h += "</div>";
    return h;
}

QString probabilityLegendHtml() {
    QString h = QObject::tr("token probability: ");
    for (double p : {0.0, 0.25, 0.5, 0.75, 1.0})
        h += QString("<span style='background-color:%1'>&nbsp;%2&nbsp;</span>").arg(probabilityColor(p).name()).arg(p, 0, 'f', 2);
    return h;
}

}  // namespace llms::ui
