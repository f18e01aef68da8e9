/** Reading CSV time series (NAB, TON_IoT) for replay to a broker and for evaluation. */
package dev.vigil.features.telemetry.replay;
