import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AccessProvider } from './access.js';
import { App } from './components/App.js';
import { DashboardProvider } from './state.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DashboardProvider>
      <AccessProvider>
        <App />
      </AccessProvider>
    </DashboardProvider>
  </StrictMode>,
);
