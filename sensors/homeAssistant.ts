/**
 * Home Assistant MQTT discovery (home-assistant.io/integrations/mqtt, "Discovery
 * messages"): one retained config message per sensor quantity under
 * `homeassistant/sensor/<object id>/config`, so venue staff see the roof in a dashboard
 * they already use. The value is read from our state payload with a template.
 */
import { QUANTITIES, type Quantity } from '../src/ingest/units.ts';
import { sensorTopic } from '../src/ingest/sensorMessage.ts';

/** HA device classes and units for our quantities (HA "Sensor" entity documentation). */
const HA: Record<Quantity, { deviceClass?: string; unit: string }> = {
  pressure: { deviceClass: 'atmospheric_pressure', unit: 'hPa' },
  wind_speed: { deviceClass: 'wind_speed', unit: 'm/s' },
  wind_gust: { deviceClass: 'wind_speed', unit: 'm/s' },
  wind_direction: { unit: '°' },
  precipitation_rate: { deviceClass: 'precipitation_intensity', unit: 'mm/h' },
  cloud_cover: { unit: '%' },
  brightness: { unit: '%' },
  temperature: { deviceClass: 'temperature', unit: '°C' },
  humidity: { deviceClass: 'humidity', unit: '%' },
};

export interface DiscoveryMessage {
  topic: string;
  payload: string;
}

export function discoveryMessages(site: string, sensorId: string, quantities: readonly Quantity[]): DiscoveryMessage[] {
  return quantities.map((q) => {
    const objectId = `skychoir_${site}_${sensorId}_${q}`.replace(/[^A-Za-z0-9_]/g, '_');
    const ha = HA[q];
    // Fractions are shown as percentages; everything else in the engine's unit.
    const scale = QUANTITIES[q].unit === 'fraction' ? ' * 100' : '';
    return {
      topic: `homeassistant/sensor/${objectId}/config`,
      payload: JSON.stringify({
        name: `${sensorId} ${q.replace(/_/g, ' ')}`,
        unique_id: objectId,
        state_topic: sensorTopic(site, sensorId, 'state'),
        value_template: `{{ (value_json.readings.${q}.value${scale}) | round(2) if value_json.readings.${q} is defined else this.state }}`,
        unit_of_measurement: ha.unit,
        ...(ha.deviceClass ? { device_class: ha.deviceClass } : {}),
        state_class: 'measurement',
        availability_topic: sensorTopic(site, sensorId, 'availability'),
        payload_available: 'online',
        payload_not_available: 'offline',
        device: { identifiers: [`skychoir_${site}_${sensorId}`], name: `skychoir ${site} ${sensorId}`, manufacturer: 'skychoir' },
      }),
    };
  });
}
