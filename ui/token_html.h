// Renders a completion as HTML: each token on a background from red (the model was unsure) to green
// (confident), with its probability in the title; and the legend that explains the colours.
#pragma once
#include "core/session/session_types.h"

#include <QColor>
#include <QString>

namespace llms::ui {

QColor probabilityColor(double p);                                       // p in [0, 1]
QString completionHtml(const QString& prompt, const session::Completion& c);
QString probabilityLegendHtml();

}  // namespace llms::ui
